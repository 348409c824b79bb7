/**
 * `npm start` end to end: the demo script runs the whole story (as a newcomer would see it)
 * and, with DEMO_EXIT=1, exits 0 once every step worked. Each step must show in its output.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const PROJECT = fileURLToPath(new URL('../../', import.meta.url));

function runDemo(args: string[], env: Record<string, string>): Promise<{ code: number; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['scripts/demo.ts', ...args], {
      cwd: PROJECT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 170_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, out });
    });
  });
}

describe('the demo (npm start)', () => {
  it('tells the whole story step by step and exits 0 with DEMO_EXIT=1', async () => {
    const { code, out } = await runDemo([], { DEMO_EXIT: '1' });
    expect(code, out).toBe(0);
    const headings = [...out.matchAll(/^== (\d+)\. /gm)].map((m) => Number(m[1]));
    expect(headings).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // 1: where things are
    expect(out).toMatch(/export KUBECONFIG=\S+kubeconfig/);
    // 2-3: plan shows the creates, sync applies them
    expect(out).toContain('Plan: 5 to create');
    expect(out).toContain('+ ModuleConfig/module-two (create, applied)');
    // 4: the modules' rows as they changed, ending Ready
    expect(out).toMatch(/SEEN AT\s+NAME\s+WEIGHT\s+SOURCE\s+VERSION\s+PHASE\s+ENABLED\s+READY/);
    expect(out).toMatch(/module-one\s+910\s+example\s+v0\.7\.24\s+Ready\s+True\s+True/);
    expect(out).toMatch(/module-two\s+900\s+example\s+v1\.2\.3\s+Ready\s+True\s+True/);
    // 5-6: the release waits, the approval branch carries the approval file
    expect(out).toMatch(
      /module-two-v1\.2\.6\s+Pending\s+false\s+Release is waiting for the 'modules\.deckhouse\.io\/approved: "true"' annotation/,
    );
    expect(out).toContain('Branches in the repo now: main, modsync/approve/module-two');
    expect(out).toMatch(/kind: ModuleReleaseApproval\n\s+metadata:\n\s+name: module-two-v1\.2\.6/);
    // 7-8: merged, approved, deployed, branch gone
    expect(out).toContain('✓ ModuleRelease/module-two-v1.2.6 (approve, applied)');
    expect(out).toMatch(/module-two-v1\.2\.6\s+Deployed\s+true/);
    expect(out).toContain('Branches: main (the approval branch is gone');
    // 9: the report from the repo
    expect(out).toContain('# modsync status: modsync');
    expect(out).toContain('✓ The story is complete.');
  }, 180_000);

  it('keeps the daemon running with its endpoints printed; Ctrl-C stops everything and removes the temp dirs', async () => {
    const child = spawn(process.execPath, ['scripts/demo.ts'], {
      cwd: PROJECT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const closed = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)));
    try {
      const deadline = Date.now() + 150_000;
      while (!out.includes('Press Ctrl-C') && Date.now() < deadline && child.exitCode === null)
        await new Promise((r) => setTimeout(r, 200));
      expect(out).toContain('== 10. modsync run');
      const base = /(http:\/\/127\.0\.0\.1:\d+)\/healthz/.exec(out)?.[1];
      expect(base, out).toBeDefined();
      let ready = 0;
      while (ready !== 200 && Date.now() < deadline) {
        ready = await fetch(`${base}/readyz`).then(
          (r) => r.status,
          () => 0,
        );
        if (ready !== 200) await new Promise((r) => setTimeout(r, 200));
      }
      expect(ready).toBe(200);
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      const workDir = dirname(/export KUBECONFIG=(\S+)/.exec(out)![1]!);
      expect(existsSync(workDir)).toBe(true);
      child.kill('SIGINT');
      expect(await closed, out).toBe(0);
      expect(out).toContain('stopped, temp files removed.');
      expect(existsSync(workDir)).toBe(false);
      expect(
        await fetch(`${base}/healthz`).then(
          () => 'up',
          () => 'down',
        ),
      ).toBe('down');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 180_000);
});
