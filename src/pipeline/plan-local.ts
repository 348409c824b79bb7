/**
 * The local plan of a run: planChanges over the desired objects and the cluster read, with the
 * destructive-change budget applied, no requests. A sync plans locally first to decide whether
 * it writes at all (and so takes the Lease); when it does not, that plan is the run's plan.
 */
import { decideApprovals, type Approval } from '../approvals/releases.ts';
import { handlerFor } from '../kinds/registry.ts';
import type { DesiredObject } from '../manifests/desired.ts';
import { pendingApplies } from './check.ts';
import { guard } from './guard.ts';
import { planChanges, type Plan } from './plan.ts';
import type { LiveState, SyncOptions, SyncPorts } from './types.ts';

/** The local plan with the destructive-change budget applied. */
export function planLocally(objects: DesiredObject[], live: LiveState, opts: SyncOptions, p: SyncPorts): Plan {
  const planned = planChanges({
    desired: objects,
    live,
    instance: opts.instance,
    prune: opts.prune,
    protectedNames: opts.protectedNames,
    takeOverInstances: opts.takeOverInstances,
    takeOverManagers: opts.takeOverManagers,
    handlers: handlerFor,
    redactor: p.redactor,
    schemas: opts.schemas,
  });
  return { entries: guard(planned.entries, { maxDestructive: opts.maxDestructive }) };
}

/**
 * The local plan, or undefined when planning fails: it then fails the same way in the plan
 * stage, which reports it, and nothing is written (no Lease needed).
 */
export function tryPlanLocally(
  objects: DesiredObject[],
  live: LiveState,
  opts: SyncOptions,
  p: SyncPorts,
): Plan | undefined {
  try {
    return planLocally(objects, live, opts, p);
  } catch {
    return undefined;
  }
}

/** Whether a sync with this plan writes to the cluster: applies, deletes or release approvals. */
export function writesAhead(plan: Plan, live: LiveState, approvals: Approval[]): boolean {
  const deletes = plan.entries.some((e) => e.outcome === 'planned' && e.remove);
  const approving = decideApprovals(live.get('ModuleRelease') ?? [], approvals).length > 0;
  return pendingApplies(plan.entries).length > 0 || deletes || approving;
}
