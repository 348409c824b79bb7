/**
 * A commit is input from anyone who can push: the previous status report in the checkout may
 * be a link to /dev/zero. The sync reads it through the guarded reader (bounded, regular files
 * only), treats it as absent and commits a real report that replaces the link. In process
 * against dkp-sim and a real `git http-backend` server; bytes read are taken from the kernel's
 * per-process counter (/proc/self/io `rchar`), which every read(2) of this process adds to.
 */
import { mkdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startForgeEnv, type ForgeEnv } from '../support/fake-forge.ts';
import { git, readBranchFile } from '../support/git-repo.ts';

const STATUS = 'clusters/demo/status';
const NONE = { 'git-host': 'none' };

function bytesReadSoFar(): number {
  const line = readFileSync('/proc/self/io', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('rchar:'));
  return Number(line?.split(/\s+/)[1]);
}

/** Commits a symlink `status.yaml -> /dev/zero` on main as a person would. */
async function pushZeroLink(env: ForgeEnv): Promise<void> {
  const work = `${env.workDir}/person`;
  await git(['clone', '--quiet', env.bareDir, work]);
  mkdirSync(`${work}/${STATUS}`, { recursive: true });
  rmSync(`${work}/${STATUS}/status.yaml`, { force: true });
  symlinkSync('/dev/zero', `${work}/${STATUS}/status.yaml`);
  await git(['add', `${STATUS}/status.yaml`], work);
  await git(['commit', '--quiet', '-m', 'status.yaml -> /dev/zero'], work);
  await git(['push', '--quiet', 'origin', 'HEAD:refs/heads/main'], work);
}

async function modeOf(env: ForgeEnv, path: string): Promise<string> {
  return (await git(['ls-tree', 'refs/heads/main', path], env.bareDir)).split(/\s+/)[0] ?? '';
}

describe('a hostile previous status report', () => {
  let env: ForgeEnv;
  beforeAll(async () => {
    env = await startForgeEnv();
  });
  afterAll(async () => env?.stop());

  it('status/status.yaml -> /dev/zero: the sync succeeds, reads little, and commits a real file', async () => {
    await pushZeroLink(env);
    expect(await modeOf(env, `${STATUS}/status.yaml`)).toBe('120000');
    const before = bytesReadSoFar();
    const result = await env.sync('sync', NONE);
    const read = bytesReadSoFar() - before;
    expect(result.ok, JSON.stringify(result.stages)).toBe(true);
    // A whole sync (git packs, API responses, CRDs) reads a few MB; /dev/zero would be GBs.
    expect(read).toBeLessThan(64 * 1024 * 1024);
    expect(result.reportCommit).toMatch(/^[0-9a-f]{40}$/);
    expect(await modeOf(env, `${STATUS}/status.yaml`)).toBe('100644');
    const text = (await readBranchFile(env.bareDir, 'main', `${STATUS}/status.yaml`)) ?? '';
    const report = parse(text) as { kind?: string };
    expect(report.kind).toBe('StatusReport');
    expect(result.logs.some((l) => l.msg === 'previous status report ignored; it will be replaced')).toBe(true);
  });
});
