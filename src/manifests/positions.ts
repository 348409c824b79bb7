/**
 * Where things are in a YAML document: `file:line:col` of a path's value (or key), for every
 * message that names a field. A path that does not exist resolves to its deepest existing
 * parent, which is where a missing field belongs.
 */
import { type Document, isAlias, isMap, isScalar, isSeq, type LineCounter, type Node } from 'yaml';
import type { ObjectPath } from '../core/object-path.ts';
import type { ManifestDoc } from './yaml.ts';

/** 1-based line and column in a file. */
export interface Position {
  line: number;
  col: number;
}

/** The 1-based line and column of an offset (a BOM is not a column). */
export function toPosition(lineCounter: LineCounter, offset: number): Position {
  const p = lineCounter.linePos(offset);
  return p.line === 0 ? { line: 1, col: offset + 1 } : { line: p.line, col: p.col };
}

/**
 * Position of a path inside a document: the value node, or with `target: 'key'` the key
 * (for "unknown field"). A path that does not exist resolves to its deepest existing parent,
 * which is where a missing field belongs.
 */
export function locateIn(
  doc: Document.Parsed,
  lineCounter: LineCounter,
  path: ObjectPath,
  target: 'key' | 'value' = 'value',
): Position {
  let node: Node | null = doc.contents as Node | null;
  let keyNode: Node | null = null;
  let offset = node?.range?.[0] ?? 0;
  for (let i = 0; i < path.length && node; i++) {
    const seg = path[i];
    if (isAlias(node)) node = (node.resolve(doc) as Node | undefined) ?? null;
    keyNode = null;
    let next: Node | null = null;
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
      if (pair) {
        keyNode = pair.key as Node;
        next = (pair.value as Node | null) ?? null;
        // `key:` with nothing after it: point at the key, not at the empty spot after it.
        const empty = next && isScalar(next) && next.range && next.range[0] === next.range[1];
        if (!next || empty) {
          offset = keyNode.range?.[0] ?? offset;
          break;
        }
      }
    } else if (isSeq(node) && typeof seg === 'number') {
      next = (node.items[seg] as Node | undefined) ?? null;
    }
    if (!next) break;
    node = next;
    offset = (target === 'key' && i === path.length - 1 && keyNode ? keyNode.range?.[0] : node.range?.[0]) ?? offset;
  }
  return toPosition(lineCounter, offset);
}

/** Position of a path in a parsed manifest document. */
export function positionIn(doc: ManifestDoc, path: ObjectPath, target: 'key' | 'value' = 'value'): Position {
  return locateIn(doc.doc, doc.lineCounter, path, target);
}
