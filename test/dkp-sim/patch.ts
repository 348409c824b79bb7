import type { Json } from './types.ts';

/** A patch that cannot be applied. */
export class PatchError extends Error {}

/** RFC 7386 JSON merge patch. */
export function applyMergePatch(_target: Json, _patch: Json): Json {
  throw new PatchError('not implemented');
}

/** RFC 6902 JSON patch. */
export function applyJsonPatch(_target: Json, _ops: Json): Json {
  throw new PatchError('not implemented');
}
