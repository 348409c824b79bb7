import { describe, expect, it } from 'vitest';
import { applyJsonPatch, applyMergePatch, PatchError } from './patch.ts';
import type { Json } from './types.ts';

const doc = (): Json => ({
  metadata: { name: 'a', labels: { x: '1', 'a/b': '2', 't~': '3' } },
  spec: { list: [1, 2, 3], enabled: true },
});

describe('applyMergePatch (RFC 7386)', () => {
  const cases: Array<{ name: string; target: Json; patch: Json; want: Json }> = [
    { name: 'adds and replaces keys', target: { a: 1 }, patch: { a: 2, b: 3 }, want: { a: 2, b: 3 } },
    { name: 'null deletes a key', target: { a: 1, b: 2 }, patch: { a: null }, want: { b: 2 } },
    {
      name: 'merges nested objects',
      target: { spec: { a: 1, b: { c: 1 } } },
      patch: { spec: { b: { d: 2 } } },
      want: { spec: { a: 1, b: { c: 1, d: 2 } } },
    },
    { name: 'replaces arrays whole', target: { l: [1, 2, 3] }, patch: { l: [4] }, want: { l: [4] } },
    { name: 'null for a missing key is a no-op', target: { a: 1 }, patch: { z: null }, want: { a: 1 } },
    { name: 'object over a scalar replaces it', target: { a: 'x' }, patch: { a: { b: 1 } }, want: { a: { b: 1 } } },
    {
      name: 'nulls inside a new object are dropped',
      target: {},
      patch: { a: { b: null, c: 1 } },
      want: { a: { c: 1 } },
    },
    { name: 'a non-object patch replaces the document', target: { a: 1 }, patch: [1, 2], want: [1, 2] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(applyMergePatch(c.target, c.patch)).toEqual(c.want);
    });
  }

  it('does not mutate its inputs', () => {
    const target = doc();
    const patch: Json = { metadata: { labels: { x: null, y: '9' } }, spec: { list: [9] } };
    const before = JSON.stringify([target, patch]);
    const out = applyMergePatch(target, patch) as { metadata: { labels: Record<string, string> } };
    expect(JSON.stringify([target, patch])).toBe(before);
    expect(out.metadata.labels).toEqual({ 'a/b': '2', 't~': '3', y: '9' });
  });
});

describe('applyJsonPatch (RFC 6902)', () => {
  const ok: Array<{ name: string; ops: Json; want: (d: any) => void }> = [
    {
      name: 'add a new key',
      ops: [{ op: 'add', path: '/spec/x', value: { y: 1 } }],
      want: (d) => expect(d.spec.x).toEqual({ y: 1 }),
    },
    {
      name: 'add with "-" appends',
      ops: [{ op: 'add', path: '/spec/list/-', value: 4 }],
      want: (d) => expect(d.spec.list).toEqual([1, 2, 3, 4]),
    },
    {
      name: 'add at an index inserts',
      ops: [{ op: 'add', path: '/spec/list/0', value: 0 }],
      want: (d) => expect(d.spec.list).toEqual([0, 1, 2, 3]),
    },
    {
      name: 'remove an item',
      ops: [{ op: 'remove', path: '/spec/list/1' }],
      want: (d) => expect(d.spec.list).toEqual([1, 3]),
    },
    {
      name: '~1 escapes a slash',
      ops: [{ op: 'remove', path: '/metadata/labels/a~1b' }],
      want: (d) => expect(d.metadata.labels).toEqual({ x: '1', 't~': '3' }),
    },
    {
      name: '~0 escapes a tilde',
      ops: [{ op: 'replace', path: '/metadata/labels/t~0', value: 'z' }],
      want: (d) => expect(d.metadata.labels['t~']).toBe('z'),
    },
    {
      name: 'replace a value',
      ops: [{ op: 'replace', path: '/spec/enabled', value: false }],
      want: (d) => expect(d.spec.enabled).toBe(false),
    },
    {
      name: 'move a value',
      ops: [{ op: 'move', from: '/metadata/labels/x', path: '/metadata/labels/moved' }],
      want: (d) => expect(d.metadata.labels).toEqual({ 'a/b': '2', 't~': '3', moved: '1' }),
    },
    {
      name: 'copy a value',
      ops: [{ op: 'copy', from: '/spec/list', path: '/spec/copy' }],
      want: (d) => expect(d.spec.copy).toEqual([1, 2, 3]),
    },
    {
      name: 'test that passes',
      ops: [
        { op: 'test', path: '/spec/list', value: [1, 2, 3] },
        { op: 'add', path: '/spec/t', value: 1 },
      ],
      want: (d) => expect(d.spec.t).toBe(1),
    },
    {
      name: 'replace the whole document',
      ops: [{ op: 'replace', path: '', value: { a: 1 } }],
      want: (d) => expect(d).toEqual({ a: 1 }),
    },
  ];
  for (const c of ok) {
    it(c.name, () => {
      c.want(applyJsonPatch(doc(), c.ops));
    });
  }

  const failing: Array<{ name: string; ops: Json; message: string; malformed?: boolean }> = [
    {
      name: 'test failure',
      ops: [{ op: 'test', path: '/spec/enabled', value: false }],
      message: 'testing value /spec/enabled failed: test failed',
    },
    {
      name: 'remove of a missing key',
      ops: [{ op: 'remove', path: '/spec/nope' }],
      message: 'error in remove for path: "/spec/nope": Unable to remove nonexistent key: nope: missing value',
    },
    {
      name: 'replace of a missing key',
      ops: [{ op: 'replace', path: '/spec/nope', value: 1 }],
      message: 'replace operation does not apply: doc is missing key: /spec/nope: missing value',
    },
    {
      name: 'add under a missing parent',
      ops: [{ op: 'add', path: '/spec/a/b', value: 1 }],
      message: 'add operation does not apply: doc is missing path: "/spec/a/b": missing value',
    },
    {
      name: 'index out of range',
      ops: [{ op: 'add', path: '/spec/list/9', value: 1 }],
      message: 'Unable to access invalid index: 9: invalid index referenced',
    },
    {
      name: 'unknown operation',
      ops: [{ op: 'frobnicate', path: '/a' }],
      message: 'Unexpected kind: frobnicate: unknown object type',
    },
    {
      name: 'a patch that is not a list',
      ops: { op: 'add' },
      message: 'json: cannot unmarshal object into Go value of type jsonpatch.Patch',
      malformed: true,
    },
  ];
  for (const c of failing) {
    it(`fails: ${c.name}`, () => {
      let err: unknown;
      try {
        applyJsonPatch(doc(), c.ops);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(PatchError);
      expect((err as PatchError).message).toBe(c.message);
      expect((err as PatchError).malformed).toBe(c.malformed ?? false);
    });
  }

  it('is all or nothing and never mutates its inputs', () => {
    const target = doc();
    const ops: Json = [
      { op: 'add', path: '/spec/new', value: 1 },
      { op: 'test', path: '/spec/new', value: 2 },
    ];
    const before = JSON.stringify([target, ops]);
    expect(() => applyJsonPatch(target, ops)).toThrow(PatchError);
    expect(JSON.stringify([target, ops])).toBe(before);
    const value: Json = { deep: [1] };
    const out = applyJsonPatch(target, [{ op: 'add', path: '/spec/new', value }]) as any;
    out.spec.new.deep.push(2);
    expect(value).toEqual({ deep: [1] });
    expect(JSON.stringify([target, ops])).toBe(before);
  });
});
