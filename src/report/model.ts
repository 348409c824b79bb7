/**
 * The status report's content: what the cluster's modules look like, the pending approvals
 * and the last sync's result, built from one run's LISTs. No volatile values (probe times,
 * scan times, "last run at"): every entry carries the commit it was first observed at and the
 * time of its last change, carried over from the previous report while the entry is unchanged,
 * so an unchanged cluster renders byte-identical reports and produces no commit.
 */
import { isDeepStrictEqual } from 'node:util';
import type { ChangeSet } from '../core/change-set.ts';
import type { KubeObject } from '../core/object.ts';
import { byCodeUnit } from '../core/values.ts';
import { releaseInfo } from '../approvals/releases.ts';
import type { RequestResult } from '../approvals/requests.ts';

export interface Observed {
  /** Commit of the desired state when this entry got its current content. */
  observedAt: string;
  /** When this entry last changed (RFC 3339). */
  since: string;
}

export interface SourceEntry extends Observed {
  name: string;
  phase: string;
  count: number;
  message: string;
  moduleErrors: { module: string; error: string }[];
}
export interface ModuleEntry extends Observed {
  name: string;
  source: string;
  version: string;
  phase: string;
  enabled: string;
  ready: string;
  message: string;
}
export interface ReleaseEntry extends Observed {
  name: string;
  module: string;
  version: string;
  phase: string;
  updatePolicy: string;
  message: string;
}
export interface ConfigEntry extends Observed {
  name: string;
  enabled: string;
  source: string;
  updatePolicy: string;
  message: string;
}
export interface ApprovalEntry extends Observed {
  release: string;
  module: string;
  branch: string;
  url: string;
  state: string;
}
export interface LastSync extends Observed {
  result: 'success' | 'failure';
  reason: string;
  changes: { subject: string; action: string; outcome: string; message?: string }[];
  errors: string[];
}

export interface StatusReport {
  apiVersion: 'modsync.io/v1alpha1';
  kind: 'StatusReport';
  instance: string;
  lastSync: LastSync;
  sources: SourceEntry[];
  modules: ModuleEntry[];
  releases: ReleaseEntry[];
  approvals: ApprovalEntry[];
  configs: ConfigEntry[];
}

export interface ReportInput {
  instance: string;
  commit: string;
  now: string;
  live: Map<string, KubeObject[]>;
  changes: ChangeSet;
  ok: boolean;
  reason?: string;
  errors: string[];
  requests: RequestResult[];
  previous?: StatusReport;
}

type Content<T> = Omit<T, keyof Observed>;

/** Adds observedAt/since, reusing the previous entry's when the content is unchanged. */
function observe<T extends Observed>(content: Content<T>, previous: T | undefined, commit: string, now: string): T {
  if (previous) {
    const { observedAt, since, ...prevContent } = previous;
    if (isDeepStrictEqual(prevContent, content)) return { ...content, observedAt, since } as T;
  }
  return { ...content, observedAt: commit, since: now } as T;
}

function observeAll<T extends Observed>(
  items: Content<T>[],
  previous: T[] | undefined,
  key: (x: Content<T>) => string,
  commit: string,
  now: string,
): T[] {
  const prev = new Map((previous ?? []).map((p) => [key(p), p]));
  return items.sort((a, b) => byCodeUnit(key(a), key(b))).map((c) => observe<T>(c, prev.get(key(c)), commit, now));
}

const str = (v: unknown): string => (v === undefined || v === null ? '' : String(v));

function condition(m: KubeObject, type: string): { status: string; message: string } {
  const conds = (m.status?.conditions as { type: string; status: string; message?: string }[] | undefined) ?? [];
  const c = conds.find((x) => x.type === type);
  return { status: c?.status ?? '', message: c?.message ?? '' };
}

function sourceContent(s: KubeObject): Content<SourceEntry> {
  const modules = (s.status?.modules as { name: string; error?: string; pullError?: string }[] | undefined) ?? [];
  // Controllers before ~1.69 wrote the errors in `status.moduleErrors[] {name, error}` instead
  // (deckhouse-controller/crds/module-source.yaml @ 50d4fe1f; shared API notes).
  const older = (s.status?.moduleErrors as { name?: string; error?: string }[] | undefined) ?? [];
  const errors = [
    ...modules
      .filter((m) => m.error || m.pullError)
      .map((m) => ({ module: m.name, error: str(m.error || m.pullError) })),
    ...older
      .filter((m) => m?.name && m.error && !modules.some((x) => x.name === m.name && (x.error || x.pullError)))
      .map((m) => ({ module: str(m.name), error: str(m.error) })),
  ];
  return {
    name: s.metadata.name,
    phase: str(s.status?.phase),
    count: Number(s.status?.modulesCount ?? modules.length),
    message: str(s.status?.message),
    moduleErrors: errors,
  };
}

function moduleContent(m: KubeObject): Content<ModuleEntry> {
  const ready = condition(m, 'IsReady');
  const enabled = condition(m, 'EnabledByModuleManager');
  const phase = str(m.status?.phase);
  return {
    name: m.metadata.name,
    source: str(m.properties?.source),
    version: str(m.properties?.version),
    phase,
    enabled: enabled.status,
    ready: ready.status,
    message: phase === 'Ready' ? '' : ready.message || enabled.message,
  };
}

/** How a pending approval reads in the report; a declined one links the pull request a person closed. */
function approvalState(r: RequestResult): string {
  if (r.outcome === 'failed') return `failed: ${r.message ?? ''}`;
  if (r.outcome === 'declined') return 'declined (pull request closed without merging)';
  if (r.outcome === 'skipped') return `skipped: ${r.message ?? 'Deckhouse skipped it'} (approval file ${r.branch})`;
  return 'waiting for merge';
}

/** Modules worth a line: delivered by a source, or configured by a ModuleConfig. Embedded modules without config are left out. */
function relevantModule(m: KubeObject, configs: Set<string>): boolean {
  const sources = (m.properties?.availableSources as string[] | undefined) ?? [];
  return (
    configs.has(m.metadata.name) ||
    (str(m.properties?.source) !== 'Embedded' && (sources.length > 0 || Boolean(m.properties?.source)))
  );
}

export function buildReport(input: ReportInput): StatusReport {
  const { commit, now, previous } = input;
  const list = (kind: string): KubeObject[] => input.live.get(kind) ?? [];
  const configNames = new Set(list('ModuleConfig').map((c) => c.metadata.name));
  const changes = input.changes
    .filter((c) => c.action !== 'unchanged')
    .map((c) => ({
      subject: c.subject,
      action: c.action,
      outcome: c.outcome,
      ...(c.message ? { message: c.message } : {}),
    }));
  const lastSync = observe<LastSync>(
    { result: input.ok ? 'success' : 'failure', reason: input.reason ?? '', changes, errors: input.errors },
    previous?.lastSync,
    commit,
    now,
  );
  const approvals: Content<ApprovalEntry>[] = input.requests
    .filter((r) => r.outcome !== 'closed')
    .flatMap((r) => [
      ...r.releases.map((release) => ({
        release,
        module: r.module,
        branch: r.outcome === 'skipped' ? '' : r.branch,
        url: r.url ?? '',
        state: approvalState(r),
      })),
      // a release the open request dropped (Deckhouse skipped it) reads as skipped, not pending
      ...(r.dropped ?? []).map((d) => ({
        release: d.release,
        module: r.module,
        branch: r.branch,
        url: r.url ?? '',
        state: `skipped: ${d.reason}`,
      })),
    ])
    .filter((a, i, all) => all.findIndex((b) => b.release === a.release) === i);
  return {
    apiVersion: 'modsync.io/v1alpha1',
    kind: 'StatusReport',
    instance: input.instance,
    lastSync,
    sources: observeAll<SourceEntry>(
      list('ModuleSource').map(sourceContent),
      previous?.sources,
      (x) => x.name,
      commit,
      now,
    ),
    modules: observeAll<ModuleEntry>(
      list('Module')
        .filter((m) => relevantModule(m, configNames))
        .map(moduleContent),
      previous?.modules,
      (x) => x.name,
      commit,
      now,
    ),
    releases: observeAll<ReleaseEntry>(
      list('ModuleRelease').map((r) => {
        const i = releaseInfo(r);
        return {
          name: i.name,
          module: i.module,
          version: i.version,
          phase: i.phase,
          updatePolicy: i.policy,
          message: i.message,
        };
      }),
      previous?.releases,
      (x) => x.name,
      commit,
      now,
    ),
    approvals: observeAll<ApprovalEntry>(approvals, previous?.approvals, (x) => x.release, commit, now),
    configs: observeAll<ConfigEntry>(
      list('ModuleConfig').map((c) => ({
        name: c.metadata.name,
        enabled: c.spec?.enabled === undefined ? '' : String(c.spec.enabled),
        source: str(c.spec?.source),
        updatePolicy: str(c.spec?.updatePolicy),
        message: str(c.status?.message),
      })),
      previous?.configs,
      (x) => x.name,
      commit,
      now,
    ),
  };
}
