/**
 * Warning headers the way the apiserver writes them: quoted with only `"` and `\` escaped, UTF-8
 * text sent as raw bytes (a non-Latin-1 warning must not break the response), invalid texts and
 * duplicates dropped, the 4096/256-rune truncation; read back by fetch and by the real kubectl.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { start, type SimInstance } from './index.ts';
import { warningHeader, warningHeaders } from './request.ts';
import { call, moduleSource, msPath } from './test-helpers.ts';

/** What a Go client (kubectl) sees: the header's bytes read as UTF-8. */
const utf8 = (headerValue: string): string => Buffer.from(headerValue, 'latin1').toString('utf8');

describe('warningHeader', () => {
  it('escapes only quotes and backslashes and keeps UTF-8 text as its bytes', () => {
    expect(warningHeader('say "hi" \\ now')).toBe('299 - "say \\"hi\\" \\\\ now"');
    const value = warningHeader('module didn’t run: ключ');
    expect(value).toBeDefined();
    expect([...value!].every((c) => c.charCodeAt(0) <= 0xff)).toBe(true);
    expect(utf8(value!)).toBe('299 - "module didn’t run: ключ"');
  });

  it('drops what the apiserver refuses to send: empty, control characters, broken UTF-16', () => {
    expect(warningHeader('')).toBeUndefined();
    expect(warningHeader('two\nlines')).toBeUndefined();
    expect(warningHeader('bell\u0007')).toBeUndefined();
    expect(warningHeader('c1 \u0085 control')).toBeUndefined();
    expect(warningHeader('half \ud800 a pair')).toBeUndefined();
  });
});

describe('warningHeaders', () => {
  it('sends each text once and skips the invalid ones', () => {
    expect(warningHeaders(['a', 'b', 'a', 'x\ty', ''])).toEqual(['299 - "a"', '299 - "b"']);
  });

  it('past 4096 runes in all, cuts every warning to 256 runes and stops at 4096 more', () => {
    const texts = Array.from({ length: 20 }, (_, i) => `${String(i).padStart(2, '0')}${'é'.repeat(298)}`);
    const out = warningHeaders(texts).map(utf8);
    expect(out).toHaveLength(16);
    expect(out[0]).toBe(`299 - "00${'é'.repeat(254)}"`);
    expect(out[15]).toBe(`299 - "15${'é'.repeat(254)}"`);
  });

  it('keeps warnings whole while they fit in 4096 runes', () => {
    const texts = Array.from({ length: 4 }, (_, i) => `${i}${'x'.repeat(999)}`);
    expect(warningHeaders(texts).map((h) => h.length)).toEqual([1008, 1008, 1008, 1008]);
  });
});

describe('Warning headers over HTTP', () => {
  let sim: SimInstance;
  const dir = mkdtempSync(join(tmpdir(), 'dkp-warnings-'));
  beforeAll(async () => {
    sim = await start({ controller: false });
  });
  afterAll(async () => {
    await sim.stop();
  });

  it('a warning with non-Latin-1 text comes through instead of failing the write', async () => {
    const body = moduleSource('warn-a');
    (body.spec as Record<string, unknown>).ключ = 1;
    const r = await call(sim.url, 'POST', `${msPath()}?fieldValidation=Warn`, body);
    expect(r.status).toBe(201);
    expect(utf8(r.headers.get('warning') ?? '')).toBe('299 - "unknown field \\"spec.ключ\\""');
  });

  it('kubectl prints the warning text intact', async () => {
    const file = join(dir, 'warn-b.yaml');
    writeFileSync(
      file,
      'apiVersion: deckhouse.io/v1alpha1\nkind: ModuleSource\nmetadata:\n  name: warn-b\nspec:\n  registry:\n    repo: registry.example.com/warn-b\n  ключ: 1\n',
    );
    const stderr = await new Promise<string>((resolve, reject) => {
      execFile(
        'kubectl',
        ['--kubeconfig', sim.kubeconfigPath, 'create', '--validate=warn', '-f', file],
        { timeout: 20_000 },
        (err, _out, errText) => {
          if (err) reject(new Error(`kubectl create failed: ${errText}`));
          else resolve(errText);
        },
      );
    });
    expect(stderr).toContain('Warning: unknown field "spec.ключ"');
  });
});
