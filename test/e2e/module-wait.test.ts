/**
 * The first apply onto a cluster whose Modules are still appearing: enabled ModuleConfigs wait
 * for their Modules with one LIST of Modules per poll, however many objects wait (no GET per
 * object), and what never appears is deferred to the next run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleFiles, startDemoEnv, type DemoEnv } from '../support/demo-env.ts';

const GHOSTS = 12;

function ghostConfigs(): Record<string, string> {
  const files: Record<string, string> = {};
  for (let i = 0; i < GHOSTS; i++) {
    files[`clusters/demo/ghosts/ghost-${i}.yaml`] =
      `apiVersion: deckhouse.io/v1alpha1\nkind: ModuleConfig\nmetadata:\n  name: ghost-${i}\nspec:\n  enabled: true\n`;
  }
  return files;
}

describe('waiting for Modules', () => {
  let env: DemoEnv;
  beforeAll(async () => {
    env = await startDemoEnv({ files: { ...exampleFiles(), ...ghostConfigs() } });
  });
  afterAll(async () => env?.stop());

  it('polls one LIST of Modules for all waiting objects and defers those that never appear', async () => {
    env.sim.control.resetRequests();
    const r = await env.modsync(['sync', '--module-wait', '3', '--no-status']);
    // Deferred objects are not failures: they are retried next run.
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`${GHOSTS} deferred`));
    const modules = env.sim.control.requests().byResource.modules ?? {};
    expect(modules.get ?? 0).toBe(0);
    // The read stage's LIST plus one per poll (about one a second for three seconds).
    expect(modules.list ?? 0).toBeGreaterThanOrEqual(2);
    expect(modules.list ?? 0).toBeLessThanOrEqual(6);
  });
});
