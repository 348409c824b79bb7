/**
 * One sync as a flat pipeline of named stages: fetch → load → read → validate → plan → guard →
 * apply → prune (→ approve → request → report, see report.ts). Each stage is a function of
 * its inputs and the ports; a stage failure stops the run with a named reason. `plan` and
 * `--dry-run` stop after the plan (server-side dry-runs of the changed objects included).
 */
import { randomUUID } from 'node:crypto';
import type { ChangeEntry, ChangeSet } from '../core/change-set.ts';
import { countByAction } from '../core/change-set.ts';
import { ModsyncError, messageOf, type FailureReason } from '../core/errors.ts';
import type { ManagedKind } from '../core/kinds.ts';
import { isManagedKind } from '../core/kinds.ts';
import type { KubeObject, ObjectId } from '../core/object.ts';
import { subjectOf } from '../core/object.ts';
import { handlerFor } from '../kinds/registry.ts';
import { hasErrors, type Issue } from '../manifests/issues.ts';
import { resolvePlaceholders } from '../manifests/placeholders.ts';
import { approveStage, decideApprovals } from '../approvals/approve-stage.ts';
import type { Approval } from '../approvals/releases.ts';
import { requestStage, type RequestResult } from '../approvals/request-stage.ts';
import { reportStage } from '../report/report-stage.ts';
import { applyStage, needsModule } from './apply.ts';
import { guardPlan } from './guard.ts';
import { checkReferences, loadDesiredState, type DesiredState } from './load.ts';
import { planChanges, refineWithDryRun, type Plan } from './plan.ts';
import { pruneStage } from './prune.ts';
import { liveHas, readCluster } from './read.ts';
import type { LiveState, StageName, StageResult, SyncOptions, SyncPorts, SyncResult } from './types.ts';

class StageFailure extends Error {
  readonly reason: FailureReason;
  constructor(reason: FailureReason, message: string) {
    super(message);
    this.reason = reason;
  }
}

/** Runs a stage, timing it and recording its result; rethrows a StageFailure to stop the run. */
async function stage<T>(name: StageName, reason: FailureReason, results: StageResult[], ports: SyncPorts, fn: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    const value = await fn();
    results.push({ stage: name, ok: true, durationMs: Math.round(performance.now() - started) });
    return value;
  } catch (err) {
    const why = err instanceof StageFailure ? err.reason : err instanceof ModsyncError ? err.reason : reason;
    const message = messageOf(err);
    results.push({ stage: name, ok: false, reason: why, message, durationMs: Math.round(performance.now() - started) });
    ports.logger.error({ stage: name, reason: why, err: message }, 'stage failed');
    throw new StageFailure(why, message);
  }
}

function managedLive(live: LiveState): Map<ManagedKind, KubeObject[]> {
  const out = new Map<ManagedKind, KubeObject[]>();
  for (const [kind, objects] of live) if (isManagedKind(kind)) out.set(kind, objects);
  return out;
}

/**
 * Server-side dry-runs of every create/update, to show the server's exact result (plan,
 * --dry-run). An enabled ModuleConfig whose Module does not exist yet can't be dry-run (the
 * webhook rejects it until the source publishes the module); it is shown as planned with why.
 */
async function dryRunChanges(plan: Plan, live: LiveState, ports: SyncPorts): Promise<ChangeSet> {
  const modules = new Set((live.get('Module') ?? []).map((m) => m.metadata.name));
  const refined = new Map<string, ChangeEntry>();
  for (const item of plan.toApply) {
    const change = entryOf(plan, item.id);
    if (needsModule(item.object) && !modules.has(item.id.name)) {
      refined.set(change.subject, { ...change, message: `Module/${item.id.name} does not exist yet: it is enabled once its ModuleSource publishes it` });
      continue;
    }
    const current = (live.get(item.id.kind) ?? []).find((o) => o.metadata.name === item.id.name);
    try {
      const result = await ports.cluster.apply(item.object, { dryRun: true, force: true });
      refined.set(change.subject, refineWithDryRun(change, result, current, { handler: handlerFor(item.id.kind), redactor: ports.redactor }));
    } catch (err) {
      refined.set(change.subject, { ...change, outcome: 'failed', message: messageOf(err) });
    }
  }
  return plan.changes.map((c) => refined.get(c.subject) ?? c);
}

/** The change entry of an object the plan applies or deletes. */
function entryOf(plan: Plan, id: ObjectId): ChangeEntry {
  const subject = subjectOf(id);
  const found = plan.changes.find((c) => c.subject === subject);
  if (!found) throw new Error(`plan has no entry for ${subject}`);
  return found;
}

export async function runSync(opts: SyncOptions, ports: SyncPorts): Promise<SyncResult> {
  const stages: StageResult[] = [];
  const runId = randomUUID().slice(0, 8);
  let logger = ports.logger.child({ run: runId });
  const p: SyncPorts = { ...ports, logger };
  let commit: string | null = null;
  let issues: Issue[] = [];
  let changes: ChangeSet = [];
  let live: LiveState | undefined;
  let requests: RequestResult[] = [];
  let reportCommit: string | null | undefined;
  let checkoutDir: string | undefined;
  const statusBranch = opts.status.branch || opts.branch;
  const started = performance.now();

  try {
    const checkout = await stage('fetch', 'FetchFailed', stages, p, () => ports.git.checkout());
    commit = checkout.commit;
    checkoutDir = checkout.dir;
    logger = logger.child({ commit });
    p.logger = logger;

    const desired: DesiredState = await stage('load', 'ValidationFailed', stages, p, () =>
      loadDesiredState({ repoDir: checkout.dir, root: opts.root, excludePaths: [opts.statusPath], validator: opts.validator }),
    );
    issues = [...desired.issues];

    const read = (): Promise<LiveState> => stage('read', 'ClusterReadFailed', stages, p, () => readCluster(ports.cluster, ports.redactor));
    live = await read();
    let current = live;

    await stage('validate', 'ValidationFailed', stages, p, async () => {
      issues.push(...checkReferences(desired, { has: (kind, name) => liveHas(current, kind, name) }));
      issues.push(...resolvePlaceholders(desired.objects, { secretsDir: opts.secretsDir, env: opts.env, redactor: ports.redactor }));
      for (const i of issues) logger[i.severity === 'error' ? 'error' : 'warn']({ file: `${i.file}:${i.line}:${i.col}`, subject: i.subject, problem: i.message }, 'manifest problem');
      if (hasErrors(issues)) {
        const count = issues.filter((i) => i.severity === 'error').length;
        throw new StageFailure('ValidationFailed', `${count} problem${count === 1 ? '' : 's'} in the manifests; nothing was applied`);
      }
    });

    const makePlan = (state: LiveState): Promise<Plan> => stage('plan', 'PlanFailed', stages, p, async () => {
      const planned = planChanges({
        desired: desired.objects.map((d) => ({ id: d.id, object: d.object, origin: `${d.file}:${d.line}` })),
        live: managedLive(state),
        instance: opts.instance,
        prune: opts.prune,
        protectedNames: opts.protectedNames,
        handlers: handlerFor,
        redactor: ports.redactor,
        schemas: opts.schemas,
      });
      // Held entries (over the destructive budget) leave toApply/toDelete here.
      const guarded: Plan = guardPlan(planned, { maxDestructive: opts.maxDestructive });
      // Only plan and --dry-run ask the server for its exact result; sync writes right away.
      if (opts.mode !== 'sync') guarded.changes = await dryRunChanges(guarded, state, p);
      return guarded;
    });
    let plan = await makePlan(current);
    const approvals = desired.approvals.map((a) => ({ name: a.name, module: a.module, version: a.version, versions: a.versions, file: `${a.file}:${a.line}` }));

    // The cross-process lock is taken only when this run is about to write to the cluster; the
    // cluster is then read and planned again under it, in case another sync wrote meanwhile.
    const lock = ports.lock;
    if (opts.mode === 'sync' && lock && writesAhead(plan, current, approvals)) {
      await stage('lock', 'Locked', stages, p, async () => {
        const got = await lock.take();
        if (!got.ok) throw new StageFailure('Locked', `another sync holds the lease (${got.holder}, until ${got.expiresAt}); nothing was written`);
      });
      current = live = await read();
      plan = await makePlan(current);
    }
    changes = plan.changes;
    if (opts.mode !== 'sync') markFailedDryRuns(changes, stages);

    if (opts.mode === 'sync') {
      const modules = new Set((current.get('Module') ?? []).map((m) => m.metadata.name));
      const applyItems = plan.toApply.map((a) => ({ entry: entryOf(plan, a.id), object: a.object }));
      const applied = await stage('apply', 'ApplyFailed', stages, p, () => applyStage(applyItems, p, { modules, moduleWaitMs: opts.moduleWaitMs }));
      const pruneItems = plan.toDelete.map((d) => ({ entry: entryOf(plan, d.id), uid: d.uid, resourceVersion: d.resourceVersion }));
      const pruned = await stage('prune', 'PruneFailed', stages, p, () => pruneStage(pruneItems, p, { waitMs: opts.moduleWaitMs, instance: opts.instance }));
      const done = new Map([...applied, ...pruned].map((e) => [e.subject, e]));
      changes = changes.map((c) => done.get(c.subject) ?? c);
    }

    const dryRun = opts.mode !== 'sync';
    const releases = current.get('ModuleRelease') ?? [];
    const approved = await stage('approve', 'ApproveFailed', stages, p, () => approveStage(decideApprovals(releases, approvals), p, { dryRun }));
    changes = [...changes, ...approved];
    if (ports.host && !opts.readOnlyGit) {
      const host = ports.host;
      requests = await stage('request', 'RequestFailed', stages, p, () =>
        requestStage({ releases, approvals, root: opts.root, baseBranch: opts.branch, dryRun }, { git: ports.git, host, logger: p.logger }),
      );
    }
    markFailedStages(changes, stages);
    markFailedRequests(requests, stages);
  } catch (err) {
    if (!(err instanceof StageFailure)) throw err;
  }

  let failure = stages.find((s) => !s.ok)?.reason;
  // A run that lost the lock writes nothing, the status report included: the holder reports.
  if (live && opts.status.enabled && !opts.readOnlyGit && opts.mode !== 'plan' && failure !== 'Locked') {
    const errors = [...stages.filter((s) => !s.ok).map((s) => `${s.stage}: ${s.message ?? s.reason}`), ...issues.filter((i) => i.severity === 'error').map((i) => `${i.file}:${i.line}:${i.col}: ${i.message}`)];
    const input = { instance: opts.instance, commit: commit ?? 'unknown', now: new Date().toISOString(), live, changes, ok: !failure, reason: failure, errors, requests };
    const reported = await stage('report', 'ReportFailed', stages, p, () =>
      reportStage(
        input,
        { statusPath: opts.statusPath, branch: statusBranch, dryRun: opts.mode !== 'sync', checkoutDir: statusBranch === opts.branch ? checkoutDir : undefined },
        { git: ports.git, logger: p.logger, redactor: ports.redactor },
      ),
    ).catch(() => undefined);
    reportCommit = reported?.commit ?? null;
    failure = stages.find((s) => !s.ok)?.reason;
  }
  const result: SyncResult = { commit, changes, issues, stages, failure, ok: !failure, live, requests, reportCommit };
  logSummary(result, opts, logger, performance.now() - started);
  return result;
}

/** Whether the plan or the approvals will write to the cluster (then the lock is needed). */
function writesAhead(plan: Plan, live: LiveState, approvals: Approval[]): boolean {
  if (plan.toApply.length || plan.toDelete.length) return true;
  return decideApprovals(live.get('ModuleRelease') ?? [], approvals).length > 0;
}

/** In plan and --dry-run, an object the server refused in its dry run fails the plan stage. */
function markFailedDryRuns(changes: ChangeSet, stages: StageResult[]): void {
  const failed = changes.filter((c) => c.outcome === 'failed');
  const s = stages.find((x) => x.stage === 'plan');
  if (s && failed.length) {
    s.ok = false;
    s.reason = 'PlanFailed';
    s.message = `the server refused ${failed.length} object${failed.length === 1 ? '' : 's'} in a dry run: ${failed.map((f) => f.subject).join(', ')}`;
  }
}

/** A failed pull-request operation fails the request stage (the rest were still tried). */
function markFailedRequests(requests: RequestResult[], stages: StageResult[]): void {
  const failed = requests.filter((r) => r.outcome === 'failed');
  const s = stages.find((x) => x.stage === 'request');
  if (s && failed.length) {
    s.ok = false;
    s.reason = 'RequestFailed';
    s.message = failed.map((f) => `${f.module}: ${f.message ?? 'failed'}`).join('; ');
  }
}

/** Objects that failed make their stage fail (the run's exit code), after all were tried. */
function markFailedStages(changes: ChangeSet, stages: StageResult[]): void {
  const failed = (pred: (c: ChangeEntry) => boolean): ChangeEntry[] => changes.filter((c) => c.outcome === 'failed' && pred(c));
  const groups = [
    ['apply', failed((c) => c.action === 'create' || c.action === 'update'), 'ApplyFailed'],
    ['prune', failed((c) => c.action === 'delete'), 'PruneFailed'],
    ['approve', failed((c) => c.action === 'approve' || c.action === 'unapprove'), 'ApproveFailed'],
  ] as const;
  for (const [name, failed, reason] of groups) {
    const s = stages.find((x) => x.stage === name);
    if (s && failed.length) {
      s.ok = false;
      s.reason = reason;
      s.message = `${failed.length} object${failed.length === 1 ? '' : 's'} failed: ${failed.map((f) => f.subject).join(', ')}`;
    }
  }
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
