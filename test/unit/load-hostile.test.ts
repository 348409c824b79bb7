// Bytes and YAML constructs kubectl refuses, and files that are not files: each is an error at
// the exact file:line:col (go-yaml's reader rules, vendor/gopkg.in/yaml.v2/readerc.go in
// kubernetes/kubernetes), never a silently changed value, and no raw runtime warning is printed.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CrdValidator } from '../../src/manifests/crd-schema.ts';
import { readCheckoutFile } from '../../src/core/checkout-read.ts';
import { formatIssues } from '../../src/manifests/issues.ts';
import { createManifestValidator } from '../../src/manifests/validate-doc.ts';
import { loadDesiredState } from '../../src/pipeline/load.ts';
import { runModsync } from '../support/demo-env.ts';

const HEAD = 'apiVersion: deckhouse.io/v1alpha1\nkind: ModuleConfig\nmetadata:\n  name: hello-world\n';
const bytes = (...parts: (string | number[])[]): Buffer =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p))));

/** The exact lines expected, built from go-yaml's wording plus modsync's hints. */
const err = (at: string, message: string): string => `mc.yaml:${at}: error: YAML: ${message}`;
const utf8 = (at: string, why: string): string => err(at, `invalid UTF-8: ${why}; save the file as UTF-8`);
const control = (at: string, char: string, escaped: string): string =>
  err(
    at,
    `control characters are not allowed (${char}); ` +
      `if you mean it, write the escape "\\x${escaped}" in a double-quoted string`,
  );
const KEY = 'a mapping key must be a string, number or boolean, not a list or mapping (kubectl refuses it)';
const anchor = (at: string, name: string): string =>
  err(at, `unknown anchor "${name}": an alias (*${name}) needs an anchor (&${name}) before it in the same document`);

/** case → file content → the exact error lines. */
const CASES: Record<string, { content: Buffer; errors: string[] }> = {
  'invalid UTF-8 (Latin-1 é)': {
    content: bytes(HEAD, 'spec:\n  settings:\n    motd: caf', [0xe9], ' au lait\n'),
    errors: [utf8('7:14', 'invalid trailing UTF-8 octet 0x20')],
  },
  'truncated sequence at the end': {
    content: bytes(HEAD, 'spec:\n  settings:\n    motd: caf', [0xc3]),
    errors: [utf8('7:14', 'incomplete UTF-8 octet sequence at the end of the file')],
  },
  'invalid leading octet': {
    content: bytes(HEAD, 'spec:\n  settings:\n    x: "', [0xff], '"\n'),
    errors: [utf8('7:9', 'invalid leading UTF-8 octet 0xFF')],
  },
  'overlong encoding of /': {
    content: bytes(HEAD, 'spec:\n  settings:\n    x: a', [0xc0, 0xaf], '\n'),
    errors: [utf8('7:9', 'invalid length of a UTF-8 sequence (overlong encoding)')],
  },
  'NUL in a scalar': {
    content: bytes(HEAD, 'spec:\n  settings:\n    x: a', [0], 'b\n'),
    errors: [control('7:9', 'U+0000 NUL', '00')],
  },
  'ESC in a quoted scalar': {
    content: bytes(HEAD, 'spec:\n  settings:\n    x: "red', [0x1b], '[0m"\n'),
    errors: [control('7:12', 'U+001B ESC', '1B')],
  },
  'BEL in a comment (go-yaml reads the whole stream)': {
    content: bytes(HEAD, '# ding', [7], '\nspec:\n  enabled: true\n'),
    errors: [control('5:7', 'U+0007 BEL', '07')],
  },
  'C1 control after valid multi-byte text': {
    content: bytes(HEAD, 'spec:\n  settings:\n    x: café', [0xc2, 0x9b], '\n'),
    errors: [control('7:12', 'U+009B', '9B')],
  },
  'complex key ? [a, b]': {
    content: bytes(HEAD, 'spec:\n  settings:\n    ? [a, b]\n    : 1\n'),
    errors: [err('7:7', KEY)],
  },
  'flow mapping key {x: 1}': {
    content: bytes(HEAD, 'spec:\n  settings: {{x: 1}: 2}\n'),
    errors: [err('6:14', KEY)],
  },
  'alias key to a list': {
    content: bytes(HEAD, 'spec:\n  settings:\n    a: &l [1]\n    *l : 2\n'),
    errors: [err('8:5', KEY)],
  },
  'undefined alias': {
    content: bytes(HEAD, 'spec:\n  settings:\n    x: *nothing\n'),
    errors: [anchor('7:8', 'nothing')],
  },
  "alias to another document's anchor": {
    content: bytes(
      HEAD,
      'spec:\n  settings:\n    x: &shared 1\n---\n',
      HEAD.replace('hello-world', 'other'),
      'spec:\n  settings:\n    y: *shared\n',
    ),
    errors: [anchor('15:8', 'shared')],
  },
};

const dirs: string[] = [];
function repoWith(files: Record<string, Buffer | string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'modsync-hostile-'));
  dirs.push(dir);
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return dir;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('bytes and keys kubectl refuses', () => {
  let validator: CrdValidator;
  beforeAll(async () => {
    validator = await createManifestValidator();
  });

  for (const [name, c] of Object.entries(CASES)) {
    it(`${name}: an error at file:line:col, nothing to apply`, async () => {
      const repoDir = repoWith({ 'mc.yaml': c.content });
      const state = await loadDesiredState({ repoDir, root: '.', excludePaths: [], validator });
      expect(
        formatIssues(
          state.issues.filter((i) => i.severity === 'error'),
          'text',
        ).split('\n'),
      ).toEqual(c.errors);
      // The broken document is dropped (in the two-document case, the second one).
      expect(state.objects.filter((o) => o.file === 'mc.yaml' && o.line > 1)).toEqual([]);
      if (!name.startsWith('alias to another')) expect(state.objects).toEqual([]);
    });
  }

  it('still accepts escapes, tabs, CRLF, a BOM and non-ASCII text', async () => {
    const spec = 'spec:\r\n  settings:\r\n    x: "a\\x00\\e\\tb"\r\n    z: "\tcafé ✓ 😀"\r\n';
    const ok = bytes([0xef, 0xbb, 0xbf], HEAD.replace(/\n/g, '\r\n'), spec);
    const repoDir = repoWith({ 'mc.yaml': ok });
    const state = await loadDesiredState({ repoDir, root: '.', excludePaths: [], validator });
    expect(state.issues).toEqual([]);
    expect(state.objects[0]?.object.spec).toEqual({ settings: { x: 'a\u0000\u001b\tb', z: '\tcafé ✓ 😀' } });
  });

  it('modsync validate prints only its own lines: no raw Node or library warning', async () => {
    const keys = CASES['complex key ? [a, b]']!.content;
    const dir = repoWith({ 'keys.yaml': keys, 'nul.yaml': CASES['NUL in a scalar']!.content });
    const r = await runModsync(['validate', dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('');
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines.slice(0, -1).every((l) => /^(keys|nul)\.yaml:\d+:\d+: error: /.test(l))).toBe(true);
    expect(lines.at(-1)).toBe('0 objects and 0 approvals in 2 files: 2 errors, 0 warnings');
  });
});

describe('files that are not regular files', () => {
  it('a FIFO or a link to /dev/zero named *.yaml is never opened for reading', async () => {
    const dir = repoWith({ 'ok.yaml': `${HEAD}spec:\n  enabled: true\n` });
    execFileSync('mkfifo', [join(dir, 'pipe.yaml')]);
    symlinkSync('/dev/zero', join(dir, 'zero.yaml'));
    // Reading a FIFO with no writer would block forever: finishing at all is the assertion.
    const state = await loadDesiredState({ repoDir: dir, root: '.', excludePaths: [] });
    expect(state.objects.map((o) => o.file)).toEqual(['ok.yaml']);
    expect(formatIssues(state.issues, 'text').split('\n')).toEqual([
      'pipe.yaml:1:1: error: not a regular file (a device, FIFO or socket)',
      'zero.yaml:1:1: error: symlink points outside the repository',
    ]);
  });

  it('the guarded reader refuses links out, devices, FIFOs and files over the cap', async () => {
    const dir = repoWith({ 'big.yaml': 'x'.repeat(2048), 'small.yaml': 'a: 1\n' });
    mkdirSync(join(dir, 'status'));
    symlinkSync('/dev/zero', join(dir, 'status', 'status.yaml'));
    symlinkSync('../small.yaml', join(dir, 'status', 'inside.yaml'));
    execFileSync('mkfifo', [join(dir, 'fifo.yaml')]);
    const reason = async (rel: string): Promise<string> => {
      const r = await readCheckoutFile(dir, rel, 1024);
      return 'refused' in r ? r.refused.reason : r.bytes.toString();
    };
    expect(await reason('status/status.yaml')).toBe('outside');
    expect(await reason('fifo.yaml')).toBe('not-regular');
    expect(await reason('big.yaml')).toBe('too-big');
    expect(await reason('missing.yaml')).toBe('missing');
    expect(await reason('status/inside.yaml')).toBe('a: 1\n');
    const dev = await readRegularDevice();
    expect(dev).toBe('not-regular');
  });
});

/** /dev/zero reached through a checkout that is the root folder itself. */
async function readRegularDevice(): Promise<string> {
  const r = await readCheckoutFile('/dev', 'zero', 1024);
  return 'refused' in r ? r.refused.reason : 'read';
}
