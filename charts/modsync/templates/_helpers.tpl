{{/* Chart name, overridable. */}}
{{- define "modsync.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Full name of every object: <release>-modsync, or the release name when it already says modsync. */}}
{{- define "modsync.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else if contains (include "modsync.name" .) .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name (include "modsync.name" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* Labels that select the pods (never change them between upgrades). */}}
{{- define "modsync.selectorLabels" -}}
app.kubernetes.io/name: {{ include "modsync.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* Labels of every object. */}}
{{- define "modsync.labels" -}}
{{ include "modsync.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "modsync.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "modsync.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "modsync.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{/*
The modsync config file (config/modsync.yaml layout). Secrets are only file paths here: the
Secrets named in the values are mounted at these paths by modsync.podSpec. The *Env
settings are emptied so no token is ever taken from the environment in the cluster.
*/}}
{{- define "modsync.config" -}}
instance: {{ .Values.instance | quote }}
git:
  repo: {{ required "git.repo is required: the HTTPS URL of the desired-state repository" .Values.git.repo | quote }}
  branch: {{ .Values.git.branch | quote }}
  revision: {{ .Values.git.revision | quote }}
  path: {{ .Values.git.path | quote }}
  cacheDir: /var/cache/modsync
  username: {{ .Values.git.username | quote }}
  tokenFile: "{{ if .Values.git.tokenSecret.name }}/etc/modsync/git/token{{ end }}"
  tokenEnv: ""
  authorName: {{ .Values.git.author.name | quote }}
  authorEmail: {{ .Values.git.author.email | quote }}
  timeoutSeconds: {{ .Values.git.timeoutSeconds }}
  pushRetries: {{ .Values.git.pushRetries }}
cluster:
  kubeconfig: ""
  timeoutSeconds: {{ .Values.cluster.timeoutSeconds }}
  retries: {{ .Values.cluster.retries }}
  moduleWaitSeconds: {{ .Values.cluster.moduleWaitSeconds }}
sync:
  prune: {{ .Values.sync.prune }}
  maxDestructive: {{ .Values.sync.maxDestructive }}
  protected:
    {{- toYaml .Values.sync.protected | nindent 4 }}
  secretsDir: /etc/modsync/secrets
status:
  enabled: {{ .Values.status.enabled }}
  path: {{ .Values.status.path | quote }}
  branch: {{ .Values.status.branch | quote }}
host:
  kind: {{ .Values.host.kind | quote }}
  url: {{ .Values.host.url | quote }}
  tokenFile: "{{ if and (ne .Values.host.kind "none") .Values.host.tokenSecret.name }}/etc/modsync/host/token{{ end }}"
  tokenEnv: ""
daemon:
  schedule: {{ .Values.schedule | quote }}
  jitterSeconds: {{ .Values.daemon.jitterSeconds }}
  listen: "0.0.0.0:8080"
  webhookSecretFile: "{{ if and (eq .Values.mode "deployment") .Values.daemon.webhookSecret.name }}/etc/modsync/webhook/secret{{ end }}"
  lease: {{ .Values.lease.enabled }}
  leaseNamespace: {{ .Release.Namespace | quote }}
  leaseSeconds: {{ .Values.lease.durationSeconds }}
log:
  format: {{ .Values.log.format | quote }}
  level: {{ .Values.log.level | quote }}
{{- end -}}

{{/* The pod spec shared by the CronJob's jobs and the Deployment. */}}
{{- define "modsync.cacheClaimName" -}}
{{- if .Values.cachePersistence.existingClaim }}{{ .Values.cachePersistence.existingClaim }}{{ else }}{{ include "modsync.fullname" . }}-cache{{ end }}
{{- end }}

{{- define "modsync.podSpec" -}}
serviceAccountName: {{ include "modsync.serviceAccountName" . }}
automountServiceAccountToken: true
{{- if .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml .Values.imagePullSecrets | nindent 2 }}
{{- end }}
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
{{- if .Values.nodeSelector }}
nodeSelector:
  {{- toYaml .Values.nodeSelector | nindent 2 }}
{{- end }}
{{- if .Values.tolerations }}
tolerations:
  {{- toYaml .Values.tolerations | nindent 2 }}
{{- end }}
{{- if .Values.affinity }}
affinity:
  {{- toYaml .Values.affinity | nindent 2 }}
{{- end }}
containers:
  - name: modsync
    image: {{ include "modsync.image" . | quote }}
    imagePullPolicy: {{ .Values.image.pullPolicy }}
    args:
      - {{ if eq .Values.mode "deployment" }}run{{ else }}sync{{ end }}
      - --config
      - /etc/modsync/config/modsync.yaml
    {{- if eq .Values.mode "deployment" }}
    ports:
      - name: http
        containerPort: 8080
        protocol: TCP
    livenessProbe:
      httpGet:
        path: /healthz
        port: http
      periodSeconds: 20
      timeoutSeconds: 5
      failureThreshold: 3
    readinessProbe:
      httpGet:
        path: /readyz
        port: http
      periodSeconds: 10
      timeoutSeconds: 5
      failureThreshold: 3
    {{- end }}
    resources:
      {{- toYaml .Values.resources | nindent 6 }}
    securityContext:
      {{- toYaml .Values.securityContext | nindent 6 }}
    volumeMounts:
      - name: config
        mountPath: /etc/modsync/config
        readOnly: true
      - name: cache
        mountPath: /var/cache/modsync
      - name: tmp
        mountPath: /tmp
      {{- if .Values.git.tokenSecret.name }}
      - name: git-token
        mountPath: /etc/modsync/git
        readOnly: true
      {{- end }}
      {{- if and (ne .Values.host.kind "none") .Values.host.tokenSecret.name }}
      - name: host-token
        mountPath: /etc/modsync/host
        readOnly: true
      {{- end }}
      {{- if and (eq .Values.mode "deployment") .Values.daemon.webhookSecret.name }}
      - name: webhook-secret
        mountPath: /etc/modsync/webhook
        readOnly: true
      {{- end }}
      {{- if .Values.sync.placeholderSecrets }}
      - name: placeholder-secrets
        mountPath: /etc/modsync/secrets
        readOnly: true
      {{- end }}
volumes:
  - name: config
    configMap:
      name: {{ include "modsync.fullname" . }}
  - name: cache
    {{- if .Values.cachePersistence.enabled }}
    persistentVolumeClaim:
      claimName: {{ include "modsync.cacheClaimName" . }}
    {{- else }}
    emptyDir:
      sizeLimit: {{ .Values.cacheSizeLimit }}
    {{- end }}
  - name: tmp
    emptyDir:
      sizeLimit: 64Mi
  {{- if .Values.git.tokenSecret.name }}
  - name: git-token
    secret:
      secretName: {{ .Values.git.tokenSecret.name }}
      defaultMode: 288 # 0440: readable by the pod's fsGroup only
      items:
        - key: {{ .Values.git.tokenSecret.key }}
          path: token
  {{- end }}
  {{- if and (ne .Values.host.kind "none") .Values.host.tokenSecret.name }}
  - name: host-token
    secret:
      secretName: {{ .Values.host.tokenSecret.name }}
      defaultMode: 288
      items:
        - key: {{ .Values.host.tokenSecret.key }}
          path: token
  {{- end }}
  {{- if and (eq .Values.mode "deployment") .Values.daemon.webhookSecret.name }}
  - name: webhook-secret
    secret:
      secretName: {{ .Values.daemon.webhookSecret.name }}
      defaultMode: 288
      items:
        - key: {{ .Values.daemon.webhookSecret.key }}
          path: secret
  {{- end }}
  {{- if .Values.sync.placeholderSecrets }}
  - name: placeholder-secrets
    projected:
      defaultMode: 288
      sources:
        {{- range .Values.sync.placeholderSecrets }}
        - secret:
            name: {{ . }}
        {{- end }}
  {{- end }}
{{- end -}}
