/**
 * Deckhouse's admission rules for the module kinds, as the API server applies them after
 * schema validation: first the ValidatingAdmissionPolicies (`modules/002-deckhouse/templates/
 * validation.yaml`), then the deckhouse-webhook validating webhooks (`deckhouse-controller/pkg/
 * apis/deckhouse.io/validation/`). Denials carry the code, reason and message kube-apiserver
 * builds for each mechanism, so kubectl prints exactly what a DKP user sees.
 */
import type { AdmissionRequest, AdmissionResult, ClusterView, Json, JsonMap, Obj } from './types.ts';

/** The user the simulated Deckhouse controller writes as. */
export const CONTROLLER_USER = 'system:serviceaccount:d8-system:deckhouse';

/** Modules that are part of Deckhouse itself: they have ModuleConfigs but no source. */
const EMBEDDED_MODULES = new Set(['deckhouse', 'global']);

const HERITAGE_MESSAGE = 'Creating, updating and deleting an objects with the `heritage: deckhouse` label is forbidden';
const SET_HERITAGE_MESSAGE = 'Setting the `heritage` label is forbidden for non-system users';
const UPDATE_POLICY_LABEL = 'modules.deckhouse.io/update-policy';
const UPDATE_POLICY_LABEL_MESSAGE =
  'Manual update-policy change is forbidden. Please, remove the update-policy label to automatically find a new suitable policy';
const WINDOWS_MESSAGE =
  'Invalid update windows. Start time (windows.from) should be less than the end time of the update window (windows.to)';
const ALLOW_DISABLING = 'modules.deckhouse.io/allow-disabling';
const DISABLE_SUFFIX =
  "Please annotate ModuleConfig with `modules.deckhouse.io/allow-disabling=true` if you're sure that you want to disable the module.";

type Verdict = AdmissionResult;

/** Decide one write the way DKP's admission chain would; `warnings` are returned even when allowed. */
export function admit(req: AdmissionRequest, view: ClusterView): AdmissionResult {
  if (req.subresource) return allow(); // none of the rules matches a subresource
  const denial = policies(req);
  if (denial) return denial;
  return webhooks(req, view);
}

// ---------------------------------------------------------------- ValidatingAdmissionPolicies

function policies(req: AdmissionRequest): Verdict | undefined {
  const system = isSystemUser(req.user);
  const kind = req.resource.kind;
  const obj = req.object;
  const old = req.oldObject;
  const heritageMatch = label(obj, 'heritage') === 'deckhouse' || label(old, 'heritage') === 'deckhouse';
  const excludedKind = kind === 'ModuleRelease';

  if (!system && !excludedKind && heritageMatch && req.operation !== 'DELETE') {
    const setting = label(obj, 'heritage') !== undefined && label(obj, 'heritage') !== label(old, 'heritage');
    if (setting)
      return vapDenial(
        req,
        'deny-set-heritage-label.deckhouse.io',
        'deny-set-heritage-label.deckhouse.io',
        SET_HERITAGE_MESSAGE,
      );
  }
  if (!system && !excludedKind && heritageMatch && !heritageExempt(req)) {
    return vapDenial(req, 'label-objects.deckhouse.io', 'heritage-label-objects.deckhouse.io', HERITAGE_MESSAGE);
  }
  if (kind === 'ModuleRelease' && req.operation === 'UPDATE' && !req.user.startsWith('system:serviceaccount:d8-')) {
    const before = label(old, UPDATE_POLICY_LABEL);
    const after = label(obj, UPDATE_POLICY_LABEL);
    if (before !== undefined && after !== undefined && before !== after) {
      const name = 'update-policy-label-objects.deckhouse.io';
      return vapDenial(req, name, name, UPDATE_POLICY_LABEL_MESSAGE);
    }
  }
  if (req.operation !== 'DELETE' && obj) {
    if (kind === 'ModuleUpdatePolicy' && !windowsValid(dig(obj, ['spec', 'update', 'windows']))) {
      return vapDenial(req, 'mup-update-windows.deckhouse.io', 'mup-update-windows.deckhouse.io', WINDOWS_MESSAGE);
    }
    if (
      kind === 'ModuleConfig' &&
      req.name === 'deckhouse' &&
      !windowsValid(dig(obj, ['spec', 'settings', 'update', 'windows']))
    ) {
      return vapDenial(req, 'mc-update-windows.deckhouse.io', 'mc-update-windows.deckhouse.io', WINDOWS_MESSAGE);
    }
  }
  return undefined;
}

/** The label-objects policy's matchConditions that let some writes through. */
function heritageExempt(req: AdmissionRequest): boolean {
  const maintenance = label(req.object ?? req.oldObject, 'maintenance.deckhouse.io/no-resource-reconciliation');
  if (maintenance === '' || maintenance === 'true') return true;
  if (req.operation === 'DELETE' && label(req.oldObject, 'security.deckhouse.io/heritage-bypass') === 'delete')
    return true;
  if (req.operation === 'UPDATE' && req.resource.kind === 'ModuleSource' && req.object && req.oldObject) {
    const before = dig(req.oldObject, ['spec', 'scanInterval']);
    const after = dig(req.object, ['spec', 'scanInterval']);
    const sameRegistry = sameJson(dig(req.oldObject, ['spec', 'registry']), dig(req.object, ['spec', 'registry']));
    return before !== after && sameRegistry;
  }
  return false;
}

/** `from < to` for every window, comparing `HHMM` as integers like the policies' CEL does. */
function windowsValid(windows: Json | undefined): boolean {
  if (!Array.isArray(windows)) return true;
  return windows.every((w) => {
    const win = (w ?? {}) as JsonMap;
    const from = Number(String(win.from ?? '').replace(':', ''));
    const to = Number(String(win.to ?? '').replace(':', ''));
    return from < to;
  });
}

// ---------------------------------------------------------------- webhooks

function webhooks(req: AdmissionRequest, view: ClusterView): Verdict {
  switch (req.resource.kind) {
    case 'Module':
      if (req.user !== CONTROLLER_USER)
        return webhookDenial('modules.deckhouse-webhook.deckhouse.io', 'manual Module change is forbidden');
      return allow();
    case 'ModuleUpdatePolicy':
      if (req.operation === 'DELETE') {
        const user = view.list('moduleconfigs').find((mc) => dig(mc, ['spec', 'updatePolicy']) === req.name);
        if (user) {
          const msg = `the '${req.name}' update policy is used by the '${user.metadata.name}' module config`;
          return webhookDenial('update-policies.deckhouse-webhook.deckhouse.io', msg);
        }
      }
      return allow();
    case 'ModuleConfig':
      return moduleConfigWebhook(req, view);
    default:
      return allow();
  }
}

const MC_WEBHOOK = 'module-configs.deckhouse-webhook.deckhouse.io';

/** The module-configs webhook, in the order `validate_module_config.go` checks things. */
function moduleConfigWebhook(req: AdmissionRequest, view: ClusterView): Verdict {
  const deny = (msg: string): Verdict => webhookDenial(MC_WEBHOOK, msg);
  const name = req.name;
  const module = view.get('modules', name);

  if (req.operation === 'DELETE') {
    const cfg = req.oldObject;
    if (cfg && !hasAnnotation(cfg, ALLOW_DISABLING) && enabledOf(cfg)) {
      const reason = disableReason(module);
      if (reason !== undefined) return deny(reason);
    }
    if (view.get('modulepulloverrides', name))
      return deny('delete the ModulePullOverride before deleting the module config');
    return allow();
  }

  const cfg = req.object;
  if (!cfg) return allow();
  const newEnabled = enabledOf(cfg);
  const oldEnabled = req.oldObject ? enabledOf(req.oldObject) : false;

  if (req.operation === 'CREATE' && newEnabled) {
    const experimental = experimentalDenial(name, module, view);
    if (experimental) return deny(experimental);
    if (!module && !EMBEDDED_MODULES.has(name)) return deny(`the '${name}' module not found`);
  }
  if (req.operation === 'UPDATE' && req.oldObject) {
    if (!oldEnabled && newEnabled) {
      const experimental = experimentalDenial(name, module, view);
      if (experimental) return deny(experimental);
    }
    const annotated = hasAnnotation(cfg, ALLOW_DISABLING) || hasAnnotation(req.oldObject, ALLOW_DISABLING);
    if (!annotated && oldEnabled && !newEnabled) {
      const reason = disableReason(module);
      if (reason !== undefined) return deny(reason);
    }
  }

  const source = dig(cfg, ['spec', 'source']);
  if (source === 'Embedded') return deny("'Embedded' is a forbidden source");

  const warnings: string[] = [];
  if (name !== 'global') {
    if (!module) {
      if (EMBEDDED_MODULES.has(name)) return allow();
      return allow([`the '${name}' module not found`]);
    }
    const available = stringList(dig(module, ['properties', 'availableSources']));
    if (typeof source === 'string' && source !== '' && !available.includes(source)) {
      return deny(
        `the '${source}' module source is an unavailable source for the '${name}' module, available sources: [${available.join(' ')}]`,
      );
    }
    if (newEnabled && (source === undefined || source === '') && available.length > 1) {
      // Deckhouse's text has a typographic apostrophe ("didn’t"); Warning headers carry it as
      // UTF-8 bytes, as the apiserver sends them.
      warnings.push(
        `module '${name}' is enabled but didn’t run because multiple sources were found (${available.join(', ')}), please specify a source in ModuleConfig resource `,
      );
    }
  }

  const policy = dig(cfg, ['spec', 'updatePolicy']);
  if (typeof policy === 'string' && policy !== '' && !view.get('moduleupdatepolicies', policy)) {
    return deny(`the '${policy}' module policy does not exist`);
  }
  return allow(warnings);
}

/** The webhook's refusal text for disabling a module that asks for confirmation; undefined when none is needed. */
function disableReason(module: Obj | undefined): string | undefined {
  const options = dig(module, ['properties', 'disableOptions']) as JsonMap | undefined;
  if (options?.confirmation !== true) return undefined;
  const messages = (options.messages ?? {}) as JsonMap;
  let reason = String(options.message ?? messages.en ?? '');
  if (!reason.endsWith('.')) reason += '.';
  return reason + DISABLE_SUFFIX;
}

function experimentalDenial(name: string, module: Obj | undefined, view: ClusterView): string | undefined {
  if (dig(module, ['properties', 'stage']) !== 'Experimental') return undefined;
  const allowed =
    dig(view.get('moduleconfigs', 'deckhouse'), ['spec', 'settings', 'allowExperimentalModules']) === true;
  if (allowed) return undefined;
  return `the '${name}' module is experimental, set param in 'deckhouse' ModuleConfig - spec.settings.allowExperimentalModules: true to allow it`;
}

// ---------------------------------------------------------------- results and helpers

function allow(warnings: string[] = []): Verdict {
  return { allowed: true, warnings };
}

/**
 * kube-apiserver's webhook rejection: code 400 and an empty reason (kubewebhook sets neither
 * reason nor details), so kubectl prints `Error from server: admission webhook "<name>" denied
 * the request: <msg>`. The reason is an explicit '' so the API layer does not default one.
 */
function webhookDenial(webhook: string, message: string): Verdict {
  return {
    allowed: false,
    code: 400,
    reason: '',
    message: `admission webhook "${webhook}" denied the request: ${message}`,
    warnings: [],
  };
}

/** kube-apiserver's VAP rejection: admission.NewForbidden with the policy's reason (all of DKP's say Forbidden → 403). */
function vapDenial(req: AdmissionRequest, policy: string, binding: string, message: string): Verdict {
  const resource = req.resource.group ? `${req.resource.plural}.${req.resource.group}` : req.resource.plural;
  const name = req.name || req.object?.metadata.name || '';
  const text = `ValidatingAdmissionPolicy '${policy}' with binding '${binding}' denied request: ${message}`;
  return {
    allowed: false,
    code: 403,
    reason: 'Forbidden',
    message: `${resource} "${name}" is forbidden: ${text}`,
    warnings: [],
  };
}

/** Users the DKP policies treat as the system (Deckhouse's and Kubernetes' service accounts). */
function isSystemUser(user: string): boolean {
  return user.startsWith('system:serviceaccount:d8-') || user.startsWith('system:serviceaccount:kube-');
}

function label(obj: Obj | undefined, key: string): string | undefined {
  const labels = obj?.metadata.labels as JsonMap | undefined;
  const value = labels?.[key];
  return typeof value === 'string' ? value : undefined;
}

function hasAnnotation(obj: Obj, key: string): boolean {
  const annotations = obj.metadata.annotations as JsonMap | undefined;
  return annotations !== undefined && key in annotations;
}

function enabledOf(obj: Obj): boolean {
  return dig(obj, ['spec', 'enabled']) === true;
}

function dig(obj: Obj | JsonMap | undefined, path: string[]): Json | undefined {
  let cur: Json | undefined = obj as Json | undefined;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur)) return undefined;
    cur = cur[key];
  }
  return cur;
}

function stringList(value: Json | undefined): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function sameJson(a: Json | undefined, b: Json | undefined): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}
