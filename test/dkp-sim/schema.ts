import type { FieldError, Obj, Schema } from './types.ts';

/** Drops fields the structural schema does not declare; returns pruned paths. */
export function pruneUnknownFields(_schema: Schema, _obj: Obj): string[] {
  throw new Error('not implemented');
}

/** Applies structural defaults in place. */
export function applyDefaults(_schema: Schema, _obj: Obj): void {
  throw new Error('not implemented');
}

/** Validates an object against its structural schema with the apiserver's messages. */
export function validateObject(_schema: Schema, _obj: Obj): FieldError[] {
  throw new Error('not implemented');
}
