/**
 * The Kubernetes kinds modsync reads and writes, and the order it writes them in.
 * Everything modsync touches is cluster-scoped in API group `deckhouse.io`.
 */

/** Kinds modsync applies from git (the only kinds it ever writes, besides ModuleRelease annotations). */
export type ManagedKind = 'ModuleSource' | 'ModuleUpdatePolicy' | 'ModuleConfig';

/** Kinds modsync only reads from the cluster. */
export type ObservedKind = 'ModuleRelease' | 'Module';

export type ClusterKind = ManagedKind | ObservedKind;

/** Apply order; prune runs it backwards (a MUP cannot go while a ModuleConfig refers to it). */
export const APPLY_ORDER: readonly ManagedKind[] = ['ModuleSource', 'ModuleUpdatePolicy', 'ModuleConfig'];

export const CLUSTER_KINDS: readonly ClusterKind[] = [...APPLY_ORDER, 'ModuleRelease', 'Module'];

/** The group versions modsync writes, whose served schemas it checks objects against. */
export const DECKHOUSE_GROUP_VERSIONS: string[] = ['deckhouse.io/v1alpha1', 'deckhouse.io/v1alpha2'];

export interface KindInfo {
  kind: ClusterKind;
  group: 'deckhouse.io';
  /** The version modsync writes and reads. */
  version: string;
  plural: string;
}

export const KIND_INFO: Record<ClusterKind, KindInfo> = {
  ModuleSource: { kind: 'ModuleSource', group: 'deckhouse.io', version: 'v1alpha1', plural: 'modulesources' },
  ModuleUpdatePolicy: {
    kind: 'ModuleUpdatePolicy',
    group: 'deckhouse.io',
    version: 'v1alpha2',
    plural: 'moduleupdatepolicies',
  },
  ModuleConfig: { kind: 'ModuleConfig', group: 'deckhouse.io', version: 'v1alpha1', plural: 'moduleconfigs' },
  ModuleRelease: { kind: 'ModuleRelease', group: 'deckhouse.io', version: 'v1alpha1', plural: 'modulereleases' },
  Module: { kind: 'Module', group: 'deckhouse.io', version: 'v1alpha1', plural: 'modules' },
};

export function apiVersionOf(kind: ClusterKind): string {
  const info = KIND_INFO[kind];
  return `${info.group}/${info.version}`;
}

export function isManagedKind(kind: string): kind is ManagedKind {
  return (APPLY_ORDER as readonly string[]).includes(kind);
}
