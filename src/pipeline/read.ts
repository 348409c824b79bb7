/**
 * Read stage: one LIST per kind, nothing else. The steady state of a sync makes no other
 * requests, so this is the whole read load a scheduled modsync puts on the API server.
 */
import { CLUSTER_KINDS } from '../core/kinds.ts';
import type { ClusterPort } from '../cluster/port.ts';
import type { LiveState } from './types.ts';

export async function readCluster(cluster: ClusterPort): Promise<LiveState> {
  const lists = await Promise.all(CLUSTER_KINDS.map(async (kind) => [kind, await cluster.list(kind)] as const));
  return new Map(lists);
}

/** Whether an object of the kind exists in the live state (for reference checks). */
export function liveHas(live: LiveState, kind: string, name: string): boolean {
  return (live.get(kind as never) ?? []).some((o) => o.metadata.name === name);
}
