/**
 * Who may be written and deleted. modsync marks what it applies with an instance label and
 * prunes only objects carrying it; Deckhouse's own objects, protected names and objects
 * opted out by annotation are never deleted (or disabled) by it.
 */
import type { ManagedFieldsEntry, KubeObject, ObjectId } from './object.ts';
import { subjectOf } from './object.ts';

/** Label key that marks an object as applied by one modsync instance. */
export const OWNERSHIP_LABEL = 'modsync.io/instance';

/** Annotation key that opts an object out of pruning (value `disabled`). */
export const PRUNE_ANNOTATION = 'modsync.io/prune';

/** Field manager name of every modsync write. */
export const FIELD_MANAGER = 'modsync';

/** A copy of `obj` carrying the ownership label of `instance` (the object modsync applies). */
export function withOwnership(obj: KubeObject, instance: string): KubeObject {
  return {
    ...obj,
    metadata: { ...obj.metadata, labels: { ...obj.metadata.labels, [OWNERSHIP_LABEL]: instance } },
  };
}

/** Whether `obj` carries the ownership label of `instance` (checked again before any delete). */
export function isOwnedBy(obj: KubeObject, instance: string): boolean {
  return obj.metadata.labels?.[OWNERSHIP_LABEL] === instance;
}

/** Whether `obj` opted out of pruning with `modsync.io/prune: disabled`. */
export function pruneDisabled(obj: KubeObject): boolean {
  return obj.metadata.annotations?.[PRUNE_ANNOTATION] === 'disabled';
}

/** Deckhouse's own objects (`heritage: deckhouse`): admission forbids users to change them. */
export function isHeritage(obj: KubeObject): boolean {
  return obj.metadata.labels?.heritage === 'deckhouse';
}

/** Whether `id` is in the protected list (entries written `Kind/name`, e.g. `ModuleConfig/global`). */
export function isProtected(id: ObjectId, protectedList: readonly string[]): boolean {
  return protectedList.includes(subjectOf(id));
}

/** modsync's server-side apply entry of the main resource, if it has ever applied the object. */
export function modsyncApplyEntry(obj: KubeObject): ManagedFieldsEntry | undefined {
  return obj.metadata.managedFields?.find(
    (e) => e.manager === FIELD_MANAGER && e.operation === 'Apply' && !e.subresource,
  );
}
