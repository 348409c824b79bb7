// The repository is untrusted input: a commit must not make modsync read outside the
// checkout, hang on symlink loops, or load huge files. These trees are built per test in a
// temp dir (symlinks and megabyte files do not belong in the project's own git).
import { mkdtemp, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CrdValidator } from '../../src/manifests/crd-schema.ts';
import { formatIssues } from '../../src/manifests/issues.ts';
import { createManifestValidator } from '../../src/manifests/validate-doc.ts';
import { loadDesiredState } from '../../src/pipeline/load.ts';

const MC = (name: string) =>
  `apiVersion: deckhouse.io/v1alpha1\nkind: ModuleConfig\nmetadata:\n  name: ${name}\nspec:\n  enabled: true\n`;

let validator: CrdValidator;
let base: string;
let repo: string;
let outside: string;

async function put(rel: string, text: string): Promise<void> {
  await mkdir(path.dirname(path.join(repo, rel)), { recursive: true });
  await writeFile(path.join(repo, rel), text);
}

async function load(
  root = '.',
  excludePaths: string[] = [],
  extra: { maxFileBytes?: number; limits?: { maxAliasCount: number; maxDocuments: number } } = {},
) {
  const state = await loadDesiredState({ repoDir: repo, root, excludePaths, validator, ...extra });
  return {
    state,
    text: formatIssues(state.issues, 'text').split('\n').filter(Boolean),
    names: state.objects.map((o) => o.id.name),
  };
}

beforeAll(async () => {
  validator = await createManifestValidator();
});

beforeEach(async () => {
  base = await mkdtemp(path.join(tmpdir(), 'modsync-tree-'));
  repo = path.join(base, 'repo');
  outside = path.join(base, 'outside');
  await mkdir(repo);
  await mkdir(outside);
  await writeFile(path.join(outside, 'secret.yaml'), MC('stolen'));
});

afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

describe('loading a tree safely', () => {
  it('refuses a file symlink pointing outside the checkout', async () => {
    await put('clusters/prod/a.yaml', MC('alpha'));
    await symlink(path.join(outside, 'secret.yaml'), path.join(repo, 'clusters/prod/leak.yaml'));
    const { text, names } = await load('clusters/prod');
    expect(text).toEqual(['clusters/prod/leak.yaml:1:1: error: symlink points outside the repository']);
    expect(names).toEqual(['alpha']);
  });

  it('refuses a directory symlink pointing outside the checkout, even with a relative target', async () => {
    await put('a.yaml', MC('alpha'));
    await symlink('../outside', path.join(repo, 'more'));
    const { text, names } = await load();
    expect(text).toEqual(['more:1:1: error: symlink points outside the repository']);
    expect(names).toEqual(['alpha']);
  });

  it('refuses a root that leaves the repository', async () => {
    expect((await load('../outside')).text).toEqual([
      '../outside:1:1: error: the root path must be inside the repository',
    ]);
    await symlink('../outside', path.join(repo, 'linked-root'));
    expect((await load('linked-root')).text).toEqual(['linked-root:1:1: error: symlink points outside the repository']);
  });

  it('reports a directory symlink loop once and terminates', async () => {
    await put('mods/a.yaml', MC('alpha'));
    await symlink('..', path.join(repo, 'mods/up'));
    const { text, names } = await load();
    expect(text).toEqual(['mods/up:1:1: error: symlink loop: the link points to a directory that contains it']);
    expect(names).toEqual(['alpha']);
  });

  it('reports file symlink loops and broken symlinks named like manifests', async () => {
    await symlink('b.yaml', path.join(repo, 'a.yaml'));
    await symlink('a.yaml', path.join(repo, 'b.yaml'));
    await symlink('missing.yaml', path.join(repo, 'c.yaml'));
    await symlink('missing', path.join(repo, 'notes')); // not a manifest name: ignored
    const { text } = await load();
    expect(text).toEqual([
      'a.yaml:1:1: error: symlink loop',
      'b.yaml:1:1: error: symlink loop',
      'c.yaml:1:1: error: broken symlink (its target does not exist)',
    ]);
  });

  it('refuses symlinks into hidden folders such as .git', async () => {
    await put('.git/config', '[remote "origin"]\n  url = https://user:token@example.com/repo.git\n');
    await symlink('.git/config', path.join(repo, 'config.yaml'));
    await symlink('.git', path.join(repo, 'gitdir'));
    const { text } = await load();
    expect(text).toEqual([
      'config.yaml:1:1: error: symlink points to a hidden file or folder such as .git',
      'gitdir:1:1: error: symlink points to a hidden file or folder such as .git',
    ]);
    expect(text.join('\n')).not.toContain('token');
  });

  it('follows symlinks that stay inside the checkout', async () => {
    await put('shared/base.yaml', MC('shared-module'));
    await put('clusters/prod/own.yaml', MC('own-module'));
    await symlink('../../shared', path.join(repo, 'clusters/prod/shared'));
    const { text, names } = await load('clusters/prod');
    expect(text).toEqual([]);
    expect(names.sort()).toEqual(['own-module', 'shared-module']);
  });

  it('refuses files over 1 MiB before reading them', async () => {
    const big = `${MC('big')}  settings:\n    blob: "${'x'.repeat(1024 * 1024)}"\n`;
    await put('big.yaml', big);
    const { text, names } = await load();
    expect(text).toEqual([
      `big.yaml:1:1: error: file is ${Buffer.byteLength(big)} bytes, over the 1 MiB limit for a manifest file`,
    ]);
    expect(names).toEqual([]);
  });

  it('caps the number of documents per file', async () => {
    await put('many.yaml', ['a', 'b', 'c', 'd'].map((n) => MC(`m-${n}`)).join('---\n'));
    const { text, names } = await load('.', [], { limits: { maxAliasCount: 100, maxDocuments: 3 } });
    // Line 21 is the `---` that starts the fourth document.
    expect(text).toEqual(['many.yaml:21:1: error: more than 3 YAML documents in one file; split the file']);
    expect(names).toEqual(['m-a', 'm-b', 'm-c']);
  });

  it('skips excluded paths, dot folders, dot files and non-YAML files', async () => {
    await put('clusters/prod/a.yaml', MC('alpha'));
    await put('clusters/prod/b.yml', MC('beta'));
    await put('status/status.yaml', 'not: [a, kubernetes, object]\n');
    await put('.github/workflows/ci.yml', 'on: push\n');
    await put('.gitlab-ci.yml', 'stages: []\n');
    await put('clusters/prod/notes.json', '{"kind": "Deployment"}');
    await put('clusters/prod/README.md', '# readme\n');
    const { state, text, names } = await load('.', ['status/']);
    expect(text).toEqual([]);
    expect(names).toEqual(['alpha', 'beta']);
    expect(state.files).toBe(2);
  });

  it('does not read the excluded folder through a symlink either', async () => {
    await put('status/status.yaml', 'garbage: [\n');
    await put('clusters/a.yaml', MC('alpha'));
    await symlink('../status', path.join(repo, 'clusters/status-link'));
    expect((await load('clusters', ['status'])).text).toEqual([]);
  });

  it('fails with a ModsyncError naming the checkout when there is none', async () => {
    const missing = path.join(base, 'no-such-checkout');
    await expect(loadDesiredState({ repoDir: missing, root: '.', excludePaths: [], validator })).rejects.toMatchObject({
      name: 'ModsyncError',
      reason: 'ValidationFailed',
      message: `${missing}: the repository directory does not exist`,
    });
  });

  it('warns when the root holds no manifests, and errors when it does not exist', async () => {
    await mkdir(path.join(repo, 'empty'));
    expect((await load('empty')).text).toEqual([
      'empty:1:1: warning: no *.yaml or *.yml files under the root: the desired state is empty',
    ]);
    expect((await load('nope')).text).toEqual(['nope:1:1: error: the root path does not exist in the repository']);
  });
});
