// Rough numbers for a 200-file repository over `git http-backend` on 127.0.0.1: first clone,
// no-op fetch (the steady state of a CronJob or daemon with a cache volume), a fetch with one
// changed file, and a status commit. Printed, not asserted: timings depend on the machine.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createIsoGit } from '../../src/git/iso-git.ts';
import { createBareRepo, pushFiles } from '../support/git-repo.ts';
import { startGitServer, type GitServer } from '../support/git-server.ts';

const FILES = 200;
let tmp: string;
let server: GitServer;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'modsync-git-bench-'));
  server = await startGitServer({ root: path.join(tmp, 'repos') });
});
afterAll(async () => {
  await server.stop();
  await rm(tmp, { recursive: true, force: true });
});

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const result = await fn();
  return [result, Math.round((performance.now() - started) * 10) / 10];
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

it(`measures clone, no-op fetch, changed fetch and commit for ${FILES} files`, async () => {
  const files: Record<string, string> = {};
  for (let i = 0; i < FILES; i++) files[`clusters/prod/mc-${String(i).padStart(3, '0')}.yaml`] = `apiVersion: deckhouse.io/v1alpha1\nkind: ModuleConfig\nmetadata:\n  name: module-${i}\nspec:\n  enabled: true\n  version: 1\n`;
  const bare = await createBareRepo(path.join(tmp, 'repos'), 'bench.git', files);
  const port = createIsoGit({ url: server.repoUrl('bench'), branch: 'main', cacheDir: path.join(tmp, 'cache'), author: { name: 'modsync', email: 'modsync@example.com' } });

  const [first, cloneMs] = await timed(() => port.checkout());
  const noop: number[] = [];
  for (let i = 0; i < 5; i++) {
    const [again, ms] = await timed(() => port.checkout());
    expect(again.commit).toBe(first.commit);
    noop.push(ms);
  }
  const changed = await pushFiles(bare, 'main', { 'clusters/prod/mc-007.yaml': 'kind: ModuleConfig\n' }, 'edit one');
  const [next, changedMs] = await timed(() => port.checkout());
  expect(next.commit).toBe(changed);
  const [commit, commitMs] = await timed(() => port.commit({ files: { 'status/README.md': '# status\n' }, message: 'status' }));
  expect(commit).toMatch(/^[0-9a-f]{40}$/);

  console.log(
    `git bench (${FILES} files): clone+checkout ${cloneMs} ms; no-op fetch median ${median(noop)} ms (${noop.join(', ')}); ` +
      `fetch+checkout of 1 changed file ${changedMs} ms; status commit+push ${commitMs} ms`,
  );
});
