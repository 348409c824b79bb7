/**
 * One sync as a flat pipeline of named stages: fetch → load → read → validate → plan → lock →
 * apply → prune → approve → request → report. Every stage is a function of its inputs and the
 * ports, run by one StageRunner that assigns its named failure reason.
 *
 * One list of planned entries flows from the plan through the guard (sets `held`), apply and
 * prune (set outcomes) to the logs, the report and PR bodies. `plan` and `--dry-run` are a true
 * prefix of `sync`: the same code plans and checks the cluster's schema; only `sync` writes.
 */
import { randomUUID } from 'node:crypto';
import type { ChangeEntry, ChangeSet } from '../core/change-set.ts';
import { countByAction } from '../core/change-set.ts';
import type { Issue } from '../manifests/issues.ts';
import type { Approval } from '../approvals/releases.ts';
import type { RequestResult } from '../approvals/requests.ts';
import { fetchStage } from './fetch.ts';
import type { Plan, PlannedEntry } from './plan.ts';
import { readCluster } from './read.ts';
import { failedEntries, StageFailure, StageRunner } from './stage.ts';
import type { LiveState, SyncOptions, SyncPorts, SyncResult } from './types.ts';
import { monotonicMs } from '../core/monotonic.ts';

const APPLY_ACTIONS: ChangeEntry['action'][] = ['create', 'update', 'adopt'];

/** The entries as the outside sees them: without the objects (and secrets) they carry. */
function publicEntries(entries: readonly PlannedEntry[]): ChangeSet {
  return entries.map(({ apply: _apply, remove: _remove, ...rest }) => rest);
}

export async function runSync(opts: SyncOptions, ports: SyncPorts): Promise<SyncResult> {
  const runner = new StageRunner(ports.logger.child({ run: randomUUID().slice(0, 8) }));
  const p: SyncPorts = { ...ports, logger: runner.logger };
  const state: RunState = { commit: null, issues: [], changes: [], requests: [] };
  const started = monotonicMs();

  try {
    await pipeline(opts, p, runner, state);
  } catch (err) {
    if (!(err instanceof StageFailure)) throw err;
  }

  // A run that lost the lock writes nothing, the status report included: the holder reports.
  if (state.live && opts.status.enabled && !opts.readOnlyGit && opts.mode !== 'plan' && runner.failure !== 'Locked') {
    await reportRun(opts, p, runner, state).catch(() => undefined);
  }
  const failure = runner.failure;
  const { commit, changes, issues, live, requests, reportCommit } = state;
  const result: SyncResult = {
    commit,
    changes,
    issues,
    stages: runner.results,
    failure,
    ok: !failure,
    live,
    requests,
    reportCommit,
  };
  logSummary(result, opts, runner.logger, monotonicMs() - started);
  return result;
}

/** What a run has gathered so far; what it reports, also when a stage stopped it. */
interface RunState {
  commit: string | null;
  checkoutDir?: string;
  issues: Issue[];
  changes: ChangeSet;
  /** The cluster as the run last knew it: after its own writes once it made them. */
  live?: LiveState;
  requests: RequestResult[];
  reportCommit?: string | null;
}

/**
 * The stages after fetch and read (stages.ts), imported once the first requests are written:
 * a turn of the event loop lets the sockets connect and send, then loading overlaps the wait.
 */
async function laterStages(): Promise<typeof import('./stages.ts')> {
  await new Promise((resolve) => setImmediate(resolve));
  return import('./stages.ts');
}

async function pipeline(opts: SyncOptions, p: SyncPorts, runner: StageRunner, state: RunState): Promise<void> {
  // Git's first request and the LISTs go out together (neither needs the other's answer), git's
  // first: it is the slower to answer (many git servers start a process per request).
  const fetching = runner.run({ name: 'fetch', reason: 'FetchFailed' }, () => fetchStage(p));
  let early: Promise<LiveState> | undefined = readCluster(p.cluster, p.redactor);
  early.catch(() => undefined);
  const [later, checkout] = await Promise.all([laterStages(), fetching]);
  state.commit = checkout.commit;
  state.checkoutDir = checkout.dir;
  runner.logger = runner.logger.child({ commit: checkout.commit });
  p.logger = runner.logger;

  const loadOpts = {
    repoDir: checkout.dir,
    root: opts.root,
    excludePaths: [opts.statusPath],
    validator: opts.validator,
  };
  const cacheable = checkout.exact && checkout.commit && opts.desiredCacheDir;
  const cache = cacheable ? { dir: opts.desiredCacheDir!, commit: checkout.commit! } : undefined;
  let desired = await runner.run({ name: 'load', reason: 'ValidationFailed' }, () =>
    later.loadDesiredState({ ...loadOpts, ...(cache && { cache }) }),
  );
  state.issues = [...desired.issues];

  const read = (): Promise<LiveState> =>
    runner.run({ name: 'read', reason: 'ClusterReadFailed' }, () => {
      const lists = early ?? readCluster(p.cluster, p.redactor);
      early = undefined;
      return lists;
    });
  let live = await read();
  state.live = live;

  const validated = await runner.run({ name: 'validate', reason: 'ValidationFailed' }, async () => {
    const validateOpts = { secretsDir: opts.secretsDir, env: opts.env, redactor: p.redactor };
    let v = later.validateStage(desired, live, validateOpts);
    // A cached desired state knows where objects start, not their fields: load again to point at them.
    if (v.failed && desired.cached) {
      desired = await later.loadDesiredState(loadOpts);
      v = later.validateStage(desired, live, validateOpts);
    }
    state.issues = v.issues;
    logIssues(v.issues, p);
    if (v.failed) {
      const count = v.issues.filter((i) => i.severity === 'error').length;
      throw new StageFailure(
        'ValidationFailed',
        `${count} problem${count === 1 ? '' : 's'} in the manifests; nothing was applied`,
      );
    }
    return v;
  });
  // The bundled CRD schemas come parsed from the generated module (no YAML at start).
  const schemas = opts.schemas ?? later.schemaInfoFromSchemas(await later.loadCrdSchemas());
  const planOpts = { ...opts, schemas };
  const approvals: Approval[] = desired.approvals.map((a) => ({
    name: a.name,
    module: a.module,
    version: a.version,
    versions: a.versions,
    file: `${a.file}:${a.line}`,
  }));

  // In a sync the Lease is taken only when the local plan would write; the cluster is then
  // read and planned again under it, in case another sync wrote meanwhile. Otherwise (nothing
  // to write) that first plan is the run's plan.
  let unlocked: Plan | undefined;
  if (opts.mode === 'sync' && p.lock) {
    const local = later.tryPlanLocally(validated.objects, live, planOpts, p);
    if (local && later.writesAhead(local, live, approvals)) {
      const lock = p.lock;
      await runner.run({ name: 'lock', reason: 'LockFailed' }, () => later.lockStage(lock));
      live = await read();
      state.live = live;
    } else unlocked = local;
  }
  const plan = await runner.run(
    { name: 'plan', reason: 'PlanFailed', failures: (pl: Plan) => later.refusedMessage(pl.entries) },
    async () => {
      const local = unlocked ?? later.planLocally(validated.objects, live, planOpts, p);
      if (!later.pendingApplies(local.entries).length) return local;
      return later.checkPlan(local, await later.clusterSchemaCheck(p));
    },
  );
  let entries = plan.entries;
  state.changes = publicEntries(entries);

  if (opts.mode === 'sync') {
    const modules = new Set((live.get('Module') ?? []).map((m) => m.metadata.name));
    const applyOpts = { modules, moduleWaitMs: opts.moduleWaitMs, takeOverManagers: opts.takeOverManagers };
    const applied = await runner.run(
      { name: 'apply', reason: 'ApplyFailed', failures: (r) => failedEntries(r.entries, APPLY_ACTIONS) },
      () => later.applyStage(entries, p, applyOpts),
    );
    entries = applied.entries;
    state.changes = publicEntries(entries);
    const pruneOpts = { waitMs: opts.moduleWaitMs, instance: opts.instance };
    entries = await runner.run(
      { name: 'prune', reason: 'PruneFailed', failures: (r) => failedEntries(r, ['delete']) },
      () => later.pruneStage(entries, p, pruneOpts),
    );
    state.changes = publicEntries(entries);
    live = state.live = later.afterWrites(live, applied.stored, entries);
  }

  const dryRun = opts.mode !== 'sync';
  const releases = live.get('ModuleRelease') ?? [];
  const approved = await runner.run(
    { name: 'approve', reason: 'ApproveFailed', failures: (r) => failedEntries(r, ['approve', 'unapprove']) },
    () => later.approveStage(later.decideApprovals(releases, approvals), p, { dryRun }),
  );
  state.changes = [...state.changes, ...approved];
  if (p.host && !opts.readOnlyGit) {
    const host = p.host;
    const input = { releases, approvals, root: opts.root, baseBranch: opts.branch, dryRun };
    state.requests = await runner.run({ name: 'request', reason: 'RequestFailed', failures: failedRequests }, () =>
      later.requestStage(input, { git: p.git, host, logger: p.logger }),
    );
  }
}

/** A failed pull-request operation fails the request stage (the rest were still tried). */
function failedRequests(requests: RequestResult[]): string | undefined {
  const failed = requests.filter((r) => r.outcome === 'failed');
  return failed.length ? failed.map((f) => `${f.module}: ${f.message ?? 'failed'}`).join('; ') : undefined;
}

function logIssues(issues: readonly Issue[], p: SyncPorts): void {
  for (const i of issues) {
    const data = { file: `${i.file}:${i.line}:${i.col}`, subject: i.subject, problem: i.message };
    if (i.severity === 'error') p.logger.error(data, 'manifest problem');
    else p.logger.warn(data, 'manifest problem');
  }
}

/** The report stage: the state after the run's writes, committed when it changed. */
async function reportRun(opts: SyncOptions, p: SyncPorts, runner: StageRunner, state: RunState): Promise<void> {
  const statusBranch = opts.status.branch || opts.branch;
  const failure = runner.failure;
  const errors = [
    ...runner.results.filter((s) => !s.ok).map((s) => `${s.stage}: ${s.message ?? s.reason}`),
    ...state.issues.filter((i) => i.severity === 'error').map((i) => `${i.file}:${i.line}:${i.col}: ${i.message}`),
  ];
  const input = {
    instance: opts.instance,
    commit: state.commit ?? 'unknown',
    now: new Date().toISOString(),
    live: state.live!,
    changes: state.changes,
    ok: !failure,
    reason: failure,
    errors,
    requests: state.requests,
  };
  const reportOpts = {
    statusPath: opts.statusPath,
    branch: statusBranch,
    dryRun: opts.mode !== 'sync',
    checkoutDir: statusBranch === opts.branch ? state.checkoutDir : undefined,
  };
  state.reportCommit = null;
  const { reportStage } = await import('./stages.ts');
  const reported = await runner.run({ name: 'report', reason: 'ReportFailed' }, () =>
    reportStage(input, reportOpts, { git: p.git, logger: p.logger, redactor: p.redactor }),
  );
  state.reportCommit = reported.commit ?? null;
}

function logSummary(result: SyncResult, opts: SyncOptions, logger: SyncPorts['logger'], ms: number): void {
  const counts = countByAction(result.changes);
  const by = (o: string): number => result.changes.filter((c) => c.outcome === o).length;
  const data = {
    mode: opts.mode,
    result: result.ok ? 'success' : 'failure',
    reason: result.failure,
    created: counts.create,
    updated: counts.update,
    adopted: counts.adopt,
    deleted: counts.delete,
    unchanged: counts.unchanged,
    held: by('held'),
    deferred: by('deferred'),
    failed: by('failed'),
    durationMs: Math.round(ms),
  };
  if (result.ok) logger.info(data, 'sync finished');
  else logger.error(data, 'sync failed');
}
