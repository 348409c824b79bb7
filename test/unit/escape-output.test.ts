// Values from git or the cluster may hold newlines and control characters. In every
// human-readable output one issue, row or item stays one line, and no value can forge a
// `file:line:col: error:` line in a CI log or a workflow command in GitHub Actions.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderApprovalRequest } from '../../src/approvals/pull-request.ts';
import { entry } from '../../src/core/change-set.ts';
import { renderChanges } from '../../src/core/render-changes.ts';
import type { KubeObject } from '../../src/core/object.ts';
import { escapeText } from '../../src/core/escape-text.ts';
import { formatIssues, issueError } from '../../src/manifests/issues.ts';
import { textTable } from '../../src/cli/status.ts';
import { prettyLine } from '../../src/log.ts';
import { loadDesiredState } from '../../src/pipeline/load.ts';
import { buildReport } from '../../src/report/model.ts';
import { parseReport, renderMarkdown } from '../../src/report/render.ts';

const FORGED = 'x\nevil.yaml:1:1: error: forged\n::error file=a::forged\u001b[2K';

describe('escapeText', () => {
  it('writes controls, separators and bidi overrides as escapes and keeps the rest', () => {
    const raw = 'a\nb\r\tc\u0000d\u001be\u007f\u0085\u2028\u202eé ✓';
    expect(escapeText(raw)).toBe('a\\nb\\r\\tc\\x00d\\x1be\\x7f\\x85\\u2028\\u202eé ✓');
    expect(escapeText('a\nb\u0007', { keepNewlines: true })).toBe('a\nb\\x07');
  });
});

describe('validate output', () => {
  it('a block-scalar name cannot split an issue or forge one (text and github formats)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'modsync-escape-'));
    try {
      const name = '  name: |\n    x\n    evil.yaml:1:1: error: forged\n';
      const head = 'apiVersion: deckhouse.io/v1alpha1\nkind: ModuleConfig\nmetadata:\n';
      writeFileSync(join(dir, 'mc.yaml'), `${head}${name}spec:\n  enabled: true\n`);
      const state = await loadDesiredState({ repoDir: dir, root: '.', excludePaths: [] });
      const text = formatIssues(state.issues, 'text').split('\n');
      expect(text.length).toBe(state.issues.length);
      expect(text.every((l) => l.startsWith('mc.yaml:'))).toBe(true);
      expect(text.join('\n')).toContain('x\\nevil.yaml:1:1: error: forged');
      const github = formatIssues(state.issues, 'github').split('\n');
      expect(github.length).toBe(state.issues.length);
      expect(github.every((l) => l.startsWith('::error file=mc.yaml,'))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('escapes controls in messages and file names in both formats', () => {
    const issues = [issueError(`a${FORGED}.yaml`, 1, 1, FORGED)];
    const text = formatIssues(issues, 'text');
    expect(text.split('\n')).toHaveLength(1);
    expect(text).not.toContain('\u001b');
    const github = formatIssues(issues, 'github');
    expect(github.split('\n')).toHaveLength(1);
    expect(github).toContain('::x%0Aevil.yaml:1:1: error: forged%0A::error file=a::forged\\x1b[2K');
    const file = 'ax\\nevil.yaml%3A1%3A1%3A error%3A forged\\n%3A%3Aerror file=a%3A%3Aforged\\x1b[2K.yaml';
    const props = `file=${file},line=1,col=1`;
    expect(github.startsWith(`::error ${props}::`)).toBe(true);
  });
});

describe('status README and pull-request bodies', () => {
  it('a module message with newlines stays in its table row', () => {
    const live = new Map<string, KubeObject[]>([
      [
        'Module',
        [
          {
            apiVersion: 'deckhouse.io/v1alpha1',
            kind: 'Module',
            metadata: { name: 'one' },
            properties: { source: 's' },
            status: { phase: 'Error', conditions: [{ type: 'IsReady', status: 'False', message: FORGED }] },
          },
        ],
      ],
    ]);
    const now = '2026-11-21T10:00:00.000Z';
    const input = { instance: 'modsync', commit: 'c1', now, live, changes: [], ok: false, errors: [FORGED] };
    const report = buildReport({ ...input, requests: [] });
    const md = renderMarkdown(report);
    expect(md).not.toContain('\u001b');
    expect(md.split('\n').filter((l) => l.includes('forged'))).toEqual([
      expect.stringMatching(/^- x\\nevil\.yaml:1:1: error: forged\\n::error file=a::forged\\x1b\[2K$/),
      expect.stringMatching(/^\| one \| s \| .*x\\nevil\.yaml.*\|$/),
    ]);
  });

  it('a release message or changelog cannot break out of its line or code fence', () => {
    const release: KubeObject = {
      apiVersion: 'deckhouse.io/v1alpha1',
      kind: 'ModuleRelease',
      metadata: { name: 'two-v1.2.5', labels: { module: 'two', source: 'example' } },
      spec: { moduleName: 'two', version: '1.2.5', changelog: { features: ['a\n```\n# Approved by security team'] } },
      status: { phase: 'Pending', message: FORGED },
    };
    const body = renderApprovalRequest('two', [release], { root: '.' }).body;
    expect(body).toContain('- Controller: x\\nevil.yaml:1:1: error: forged\\n::error file=a::forged\\x1b[2K');
    expect(body).not.toContain('\u001b');
    // The changelog's own ``` line sits inside a longer fence.
    expect(body).toMatch(/````yaml\n[\s\S]*```\n[\s\S]*\n````/);
    expect(body.split('\n').some((l) => /^#+ Approved/.test(l))).toBe(false);
  });
});

describe('reading a hostile previous report', () => {
  it('is silent: a collection key or an alias bomb gives "no previous report", never a raw warning', async () => {
    const emitted: string[] = [];
    const listener = (w: Error): void => void emitted.push(w.message);
    process.on('warning', listener);
    try {
      expect(parseReport('kind: StatusReport\n? [a, b]\n: 1\n')).toMatchObject({ kind: 'StatusReport' });
      const ten = (alias: string): string => `[${Array(10).fill(alias).join(', ')}]`;
      const bomb = `a: &a [x]\nb: &b ${ten('*a')}\nc: &c ${ten('*b')}\n`;
      expect(parseReport(`${bomb}d: [*c, *c]\n`)).toBeUndefined();
      // process.emitWarning delivers on a later tick.
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', listener);
    }
    expect(emitted).toEqual([]);
  });
});

describe('plan and sync output', () => {
  it('a message from the API server stays on its line in text and markdown', () => {
    const id = { kind: 'ModuleConfig' as const, name: 'one' };
    const failed = entry(id, 'update', 'failed', { message: FORGED });
    const text = renderChanges([failed], 'text', { color: false });
    expect(text).not.toContain('\u001b');
    expect(text.split('\n').filter((l) => l.includes('forged'))).toEqual([
      '    x\\nevil.yaml:1:1: error: forged\\n::error file=a::forged\\x1b[2K',
    ]);
    const md = renderChanges([failed], 'markdown', { color: false });
    expect(md.split('\n').filter((l) => l.includes('forged'))).toHaveLength(1);
  });
});

describe('pretty logs', () => {
  it('one record is one line whatever its message and fields hold', () => {
    const line = prettyLine(JSON.stringify({ time: 0, level: 40, msg: `webhook ${FORGED}`, why: FORGED, n: 1 }));
    expect(line.endsWith('\n')).toBe(true);
    expect(line.slice(0, -1)).not.toMatch(/[\n\r\u001b]/);
    expect(line).toContain('why=x\\nevil.yaml:1:1: error: forged');
  });
});

describe('modsync status tables', () => {
  it('a controller message cannot repaint the terminal or add a row', () => {
    const table = textTable(['NAME', 'MESSAGE'], [['one', `a\nb\u001b[2K\rc`]]);
    expect(table).toBe('NAME   MESSAGE\none    a b\\x1b[2K\\rc\n');
  });
});
