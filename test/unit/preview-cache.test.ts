import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { previewCacheDir, prunePreviewCaches } from '../../src/cli/plan-preview.ts';

describe('plan-preview checkouts', () => {
  it('live in one folder per pull request, and those of closed pull requests are removed', () => {
    const cache = mkdtempSync(join(tmpdir(), 'modsync-previews-'));
    for (const n of [3, 7, 12]) {
      mkdirSync(previewCacheDir(cache, n), { recursive: true });
      writeFileSync(join(previewCacheDir(cache, n), 'marker'), 'x');
    }
    expect(previewCacheDir(cache, 7)).toBe(join(cache, 'pr-previews', '7'));
    expect(prunePreviewCaches(cache, new Set([7])).sort()).toEqual(['12', '3']);
    expect(readdirSync(join(cache, 'pr-previews'))).toEqual(['7']);
    expect(prunePreviewCaches(join(cache, 'nothing-here'), new Set())).toEqual([]);
  });
});
