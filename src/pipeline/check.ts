/**
 * The cluster's word on a plan before anything is written, in every mode (plan, --dry-run and
 * sync alike, so `plan` is a true prefix of `sync`): each object the plan would write is
 * checked against the schema the cluster itself serves. A field an older Deckhouse does not
 * declare, or a value it does not accept, is a per-object error naming the field, never sent
 * and never retried. Nothing is asked when nothing would be written.
 *
 * There is no server-side dry run: the plan is decided locally from the managedFields the
 * LISTs returned, and objects planned in one run depend on each other (a ModuleConfig on the
 * ModuleUpdatePolicy created before it), which a dry run before the writes would refuse.
 */
import { checkAgainstCluster } from '../core/cluster-schema.ts';
import { messageOf } from '../core/errors.ts';
import { DECKHOUSE_GROUP_VERSIONS } from '../core/kinds.ts';
import type { JsonObject, KubeObject } from '../core/object.ts';
import { checkRemoved } from '../core/takeover.ts';
import type { Plan, PlannedEntry } from './plan.ts';
import type { SyncPorts } from './types.ts';

/** Problems of one object against the cluster's served schema (empty: acceptable). */
export type ClusterSchemaCheck = (obj: KubeObject) => Promise<string[]>;

/** Entries that would write: planned, with an apply intent. */
export function pendingApplies(entries: readonly PlannedEntry[]): PlannedEntry[] {
  return entries.filter((e) => e.outcome === 'planned' && e.apply);
}

/** The plan with every pending apply checked against the cluster's schema; refused ones fail. */
export async function checkPlan(plan: Plan, check: ClusterSchemaCheck): Promise<Plan> {
  const entries: PlannedEntry[] = [];
  for (const e of plan.entries) {
    const problems = e.outcome === 'planned' && e.apply ? await check(e.apply.object) : [];
    entries.push(problems.length ? { ...e, outcome: 'failed', message: problems.join('; ') } : e);
  }
  return { entries };
}

/** Fields the entry should remove that `obj` still has, with the managers that own them. */
export function stillPresent(obj: KubeObject, e: PlannedEntry): string[] {
  return checkRemoved(obj, e.apply?.removes ?? []).map((k) =>
    k.managers.length ? `${k.field} (owned by ${k.managers.join(', ')})` : k.field,
  );
}

/** An object the cluster's schema refuses fails the plan stage (the others still go ahead). */
export function refusedMessage(entries: readonly PlannedEntry[]): string | undefined {
  const failed = entries.filter((e) => e.outcome === 'failed');
  if (!failed.length) return undefined;
  return `the cluster refuses ${failed.length} object${failed.length === 1 ? '' : 's'}: ${failed.map((f) => f.subject).join(', ')}`;
}

/**
 * The check of objects against the schemas the cluster serves (OpenAPI v3, cached by its hash).
 * A cluster that cannot say is not a reason to stop: the apply then finds out object by object.
 */
export async function clusterSchemaCheck(p: SyncPorts): Promise<ClusterSchemaCheck> {
  let docs: Map<string, JsonObject>;
  try {
    docs = await p.cluster.openApiSchemas(DECKHOUSE_GROUP_VERSIONS);
  } catch (err) {
    p.logger.warn({ err: messageOf(err) }, 'cannot read the cluster schema; objects are checked by the apply itself');
    return async () => [];
  }
  // The version is asked for once, and only to name it in a refusal.
  let version: Promise<string | undefined> | undefined;
  return async (obj) => {
    if (!checkAgainstCluster(obj, docs.get(obj.apiVersion)).length) return [];
    version ??= p.cluster.deckhouseVersion().then((v) => v?.replace(/^v/, ''));
    const deckhouseVersion = await version;
    return checkAgainstCluster(obj, docs.get(obj.apiVersion), deckhouseVersion ? { deckhouseVersion } : {}).map(
      (problem) => problem.message,
    );
  };
}
