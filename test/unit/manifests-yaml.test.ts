// A manifest must mean to modsync what it means to kubectl and the API server: the same
// plain scalar can be a boolean, a number or a string depending on the YAML dialect.
import { describe, expect, it } from 'vitest';
import { formatPath } from '../../src/core/object-path.ts';
import { positionIn } from '../../src/manifests/positions.ts';
import { parseKubectlYaml, parseManifestFile } from '../../src/manifests/yaml.ts';

// What kubectl (go-yaml v2 via sigs.k8s.io/yaml) makes of each plain scalar.
const KUBECTL_SCALARS: [string, unknown][] = [
  ['yes', true],
  ['no', false],
  ['on', true],
  ['off', false],
  ['y', true],
  ['n', false],
  ['True', true],
  ['FALSE', false],
  ['012', 10],
  ['0o17', 15],
  ['0x1F', 31],
  ['0b101', 5],
  ['1_000', 1000],
  ['1e3', 1000],
  ['1:30', '1:30'],
  ['2026-01-01', '2026-01-01'],
  ['2026-01-01T10:00:00Z', '2026-01-01T10:00:00Z'],
  ['~', null],
  ['null', null],
  ['08', 8],
  ['-0o17', -15],
  ['+12', 12],
  ['1.5', 1.5],
  ['"yes"', 'yes'],
  ["'012'", '012'],
];

describe('kubectl-compatible scalars', () => {
  it.each(KUBECTL_SCALARS)('%s', (text, expected) => {
    expect(parseKubectlYaml(`v: ${text}\n`)).toEqual({ v: expected });
  });

  it('applies the same resolution to keys (kubectl turns a key `n` into "false")', () => {
    expect(parseKubectlYaml('n: 1\ny: 2\n')).toEqual({ false: 1, true: 2 });
  });

  it('supports merge keys like go-yaml', () => {
    expect(parseKubectlYaml('base: &b {a: 1}\nfull:\n  <<: *b\n  c: 2\n')).toEqual({
      base: { a: 1 },
      full: { a: 1, c: 2 },
    });
  });
});

describe('parseManifestFile', () => {
  it('skips empty and comment-only documents and keeps document indexes and starts', () => {
    const { docs, issues } = parseManifestFile(
      '# header\n---\n---\n# only a comment\n---\nkind: A\n---\n\n---\nkind: B\n',
      'f.yaml',
    );
    expect(issues).toEqual([]);
    expect(docs.map((d) => [d.value.kind, d.line, d.col])).toEqual([
      ['A', 6, 1],
      ['B', 10, 1],
    ]);
  });

  it('counts positions like an editor in files with a byte-order mark and CRLF line ends', () => {
    const { docs, issues } = parseManifestFile('\uFEFFkind: A\r\nspec:\r\n  x: yes\r\n', 'f.yaml');
    expect(issues).toEqual([]);
    expect(docs[0]?.value).toEqual({ kind: 'A', spec: { x: true } });
    expect([docs[0]?.line, docs[0]?.col]).toEqual([1, 1]);
    expect(positionIn(docs[0]!, ['spec', 'x'])).toEqual({ line: 3, col: 6 });
  });

  it('reports a non-mapping document and keeps the others', () => {
    const { docs, issues } = parseManifestFile('kind: A\n---\njust text\n', 'f.yaml');
    expect(docs.map((d) => d.value.kind)).toEqual(['A']);
    expect(issues).toEqual([
      {
        severity: 'error',
        file: 'f.yaml',
        line: 3,
        col: 1,
        message: 'document is a plain value, not a Kubernetes object (a mapping with apiVersion, kind, metadata)',
      },
    ]);
  });

  it('reports duplicate keys at the second key, even when YAML 1.1 makes two spellings equal', () => {
    const { docs, issues } = parseManifestFile('spec:\n  on: 1\n  yes: 2\n', 'f.yaml');
    expect(docs).toEqual([]);
    expect(issues.map((i) => `${i.line}:${i.col} ${i.message}`)).toEqual(['3:3 YAML: Map keys must be unique']);
  });

  it('stops an alias bomb before expanding it', () => {
    const bomb =
      'a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n';
    const { docs, issues } = parseManifestFile(bomb, 'bomb.yaml', { maxAliasCount: 50, maxDocuments: 10 });
    expect(docs).toEqual([]);
    expect(issues.map((i) => `${i.line}:${i.col} ${i.message}`)).toEqual([
      '2:8 too many YAML alias expansions (more than 50); this looks like an alias bomb',
    ]);
  });

  it('reports absurd nesting as an error instead of crashing', () => {
    const deep = `a: ${'['.repeat(100_000)}${']'.repeat(100_000)}\n`;
    const { docs, issues } = parseManifestFile(deep, 'deep.yaml');
    expect(docs).toEqual([]);
    expect(issues.length).toBeGreaterThan(0);
    expect(new Set(issues.map((i) => `${i.severity} ${i.message}`))).toEqual(
      new Set(['error YAML: nested too deeply to read']),
    );
  });

  it('accepts a few aliases', () => {
    const { docs, issues } = parseManifestFile('a: &a {x: 1}\nb: *a\n', 'f.yaml');
    expect(issues).toEqual([]);
    expect(docs[0]?.value).toEqual({ a: { x: 1 }, b: { x: 1 } });
  });

  it('rejects values JSON cannot carry', () => {
    expect(parseManifestFile('a:\n  b: .nan\n', 'f.yaml').issues[0]?.message).toBe(
      'a.b: NaN cannot be represented in JSON; quote it if you mean a string',
    );
    expect(parseManifestFile('a: !!binary aGVsbG8=\n', 'f.yaml').issues[0]?.message).toBe(
      'a: unsupported YAML value (binary, set, ordered map or date); use plain strings, numbers, lists and mappings',
    );
  });
});

describe('positions', () => {
  const { docs } = parseManifestFile('kind: A\nspec:\n  list:\n    - name: x\n      value: 1\n  empty:\n', 'f.yaml');
  const doc = docs[0]!;

  it('locates values and keys', () => {
    expect(positionIn(doc, ['spec', 'list', 0, 'value'])).toEqual({ line: 5, col: 14 });
    expect(positionIn(doc, ['spec', 'list', 0, 'value'], 'key')).toEqual({ line: 5, col: 7 });
  });

  it('falls back to the deepest existing node for missing paths and to the key for empty values', () => {
    expect(positionIn(doc, ['spec', 'list', 3, 'value'])).toEqual({ line: 4, col: 5 });
    expect(positionIn(doc, ['spec', 'empty', 'x'])).toEqual({ line: 6, col: 3 });
  });

  it('formats paths the way messages name fields', () => {
    expect(formatPath(['spec', 'update', 'windows', 0, 'from'])).toBe('spec.update.windows[0].from');
    expect(formatPath(['metadata', 'labels', 'modsync.io/instance'])).toBe('metadata.labels["modsync.io/instance"]');
  });
});
