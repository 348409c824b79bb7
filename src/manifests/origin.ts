/**
 * Remembers which YAML document each loaded object came from, so later stages (reference
 * checks, placeholder resolution) can still point at `file:line:col` of a field. Kept in a
 * WeakMap keyed by the loaded object: the object shape stays plain data, and the YAML trees
 * go away with the objects.
 */
import type { ObjectPath } from '../kinds/types.ts';
import { type Position, positionIn } from './positions.ts';
import type { ManifestDoc } from './yaml.ts';

/** Anything loaded from a file position. */
export interface Located {
  file: string;
  line: number;
  col?: number;
}

const origins = new WeakMap<object, ManifestDoc>();

/** Records the document an object was loaded from. */
export function rememberOrigin(obj: Located, doc: ManifestDoc): void {
  origins.set(obj, doc);
}

/**
 * Position of a field of a loaded object in its file; the object's own position when the
 * document is not known (e.g. objects built in tests) or the path is empty.
 */
export function positionOf(obj: Located, path: ObjectPath, target: 'key' | 'value' = 'value'): Position {
  const doc = origins.get(obj);
  if (!doc || path.length === 0) return { line: obj.line, col: obj.col ?? 1 };
  return positionIn(doc, path, target);
}
