import type { ApplyConflict, JsonMap, ManagedFieldsEntry, Obj, Schema } from './types.ts';

/** Arguments of a server-side apply. */
export interface ServerSideApplyArgs {
  live: Obj | undefined;
  applied: Obj;
  manager: string;
  force: boolean;
  schema: Schema;
  apiVersion: string;
  now: string;
  subresource?: 'status';
}

/** Result of a server-side apply. */
export type ServerSideApplyResult = { ok: true; object: Obj } | { ok: false; conflicts: ApplyConflict[] };

/** Server-side apply. */
export function serverSideApply(_args: ServerSideApplyArgs): ServerSideApplyResult {
  throw new Error('not implemented');
}

/** Arguments of recordUpdate. */
export interface RecordUpdateArgs {
  old: Obj | undefined;
  updated: Obj;
  manager: string;
  schema: Schema;
  apiVersion: string;
  now: string;
  subresource?: 'status';
}

/** managedFields after a non-apply write. */
export function recordUpdate(_args: RecordUpdateArgs): ManagedFieldsEntry[] {
  throw new Error('not implemented');
}

/** Placeholder for fieldsV1 helpers. */
export function fieldsV1ToPaths(_f: JsonMap): string[][] {
  throw new Error('not implemented');
}
