/**
 * Read stage: one LIST per kind, nothing else. The steady state of a sync makes no other
 * requests, so this is the whole read load a scheduled modsync puts on the API server.
 */
import { CLUSTER_KINDS } from '../core/kinds.ts';
import type { ClusterPort } from '../cluster/port.ts';
import type { Redactor } from '../core/redact.ts';
import type { LiveState } from './types.ts';

/**
 * Lists every kind once. Registry credentials live in the cluster too, so the dockerCfg of
 * every ModuleSource read is registered with the redactor: never printed from there either.
 */
export async function readCluster(cluster: ClusterPort, redactor?: Redactor): Promise<LiveState> {
  const lists = await Promise.all(CLUSTER_KINDS.map(async (kind) => [kind, await cluster.list(kind)] as const));
  const live: LiveState = new Map(lists);
  for (const ms of live.get('ModuleSource') ?? [])
    redactor?.add((ms.spec?.registry as { dockerCfg?: string } | undefined)?.dockerCfg);
  return live;
}

/** Whether an object of the kind exists in the live state (for reference checks). */
export function liveHas(live: LiveState, kind: string, name: string): boolean {
  return (live.get(kind as never) ?? []).some((o) => o.metadata.name === name);
}
