// Settings with a syntax (cron schedule, listen address, forge URL) are checked with the other
// settings at start: `modsync run` exits 64 naming the setting and the flag, env var or file
// it came from, before it listens on anything.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';
import { runModsync } from '../support/demo-env.ts';

describe('settings with a syntax', () => {
  it('refuses invalid cron schedules, naming where each came from', () => {
    const flag = loadConfig({ flags: { schedule: '61 * * * *' }, env: {} }).problems;
    expect(flag).toEqual([
      'daemon.schedule: "61 * * * *" is not a cron expression (Field value (61) is out of range); ' +
        'use 5 fields, minute hour day month weekday, such as "*/3 * * * *" (from --schedule)',
    ]);
    const env = loadConfig({ flags: {}, env: { MODSYNC_SCHEDULE: '@every 5m' } }).problems;
    const fromEnv = /^daemon\.schedule: "@every 5m" is not a cron expression \(.*\); .* \(from MODSYNC_SCHEDULE\)$/;
    expect(env).toEqual([expect.stringMatching(fromEnv)]);
    const never = loadConfig({ flags: { schedule: '0 0 31 2 *' }, env: {} }).problems;
    expect(never).toEqual([expect.stringContaining('"0 0 31 2 *" is not a cron expression (it never fires)')]);
    expect(loadConfig({ flags: { schedule: '*/3 * * * *' }, env: {} }).problems).toEqual([]);
    expect(loadConfig({ flags: { schedule: '15 */2 * * 1-5' }, env: {} }).problems).toEqual([]);
  });

  it('passes the shipped defaults (which it does not re-check at every start)', async () => {
    const { SYNTAX_CHECKS } = await import('../../src/config/syntax.ts');
    const { config } = loadConfig({ flags: {}, env: {} });
    const defaults: Record<string, string> = {
      'daemon.schedule': config.daemon.schedule,
      'daemon.listen': config.daemon.listen,
      'host.url': config.host.url,
    };
    for (const [key, value] of Object.entries(defaults)) {
      expect(SYNTAX_CHECKS[key]?.(value), key).toBeUndefined();
    }
  });

  it('refuses a listen port out of range and a forge URL that is not http(s)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'modsync-config-'));
    try {
      const file = join(dir, 'modsync.yaml');
      writeFileSync(file, 'daemon:\n  listen: 0.0.0.0:99999\nhost:\n  url: ftp://forge.example\n');
      expect(loadConfig({ file, flags: {}, env: {} }).problems).toEqual([
        'daemon.listen: port 99999 is out of range (0 to 65535) (from the config file)',
        'host.url: "ftp://forge.example" must be an http(s) URL (from the config file)',
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('modsync run with an invalid schedule exits 64 before listening', async () => {
    const args = ['run', '--repo', '/tmp/modsync-none', '--listen', '127.0.0.1:0', '--schedule', '61 * * * *'];
    const r = await runModsync(args);
    expect(r.code).toBe(64);
    expect(r.stderr).toContain('modsync run: invalid configuration:');
    expect(r.stderr).toContain('daemon.schedule: "61 * * * *" is not a cron expression');
    expect(r.stderr).toContain('(from --schedule)');
    expect(r.stderr).not.toContain('modsync daemon listening');
  });
});
