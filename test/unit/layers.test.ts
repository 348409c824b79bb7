import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { layerViolations } from '../../scripts/check-layers.ts';

describe('the layer rule of src/', () => {
  let dir: string | undefined;
  afterEach(() => dir && rmSync(dir, { recursive: true, force: true }));

  it('holds for the code as it is: no folder imports from a folder above it', () => {
    expect(layerViolations()).toEqual([]);
  });

  it('names an import against the rule, static or dynamic, with file and line', () => {
    dir = mkdtempSync(join(tmpdir(), 'layers-'));
    for (const f of ['core', 'kinds', 'pipeline', 'widgets']) mkdirSync(join(dir, f));
    writeFileSync(
      join(dir, 'core', 'a.ts'),
      "import { x } from './b.ts';\nimport { plan } from '../pipeline/plan.ts';\n",
    );
    writeFileSync(
      join(dir, 'kinds', 'k.ts'),
      "const m = await import('../pipeline/run.ts');\nimport { a } from '../core/a.ts';\n",
    );
    writeFileSync(join(dir, 'widgets', 'w.ts'), "import { a } from '../core/a.ts';\n");
    expect(layerViolations(dir).sort()).toEqual([
      'core/a.ts:2: core → pipeline is not allowed',
      'kinds/k.ts:1: kinds → pipeline is not allowed',
      'widgets/w.ts:1: widgets is in no layer (add it to scripts/check-layers.ts)',
    ]);
  });
});
