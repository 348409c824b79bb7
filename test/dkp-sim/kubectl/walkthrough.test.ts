/**
 * The DKP docs' "running a module in a cluster" walkthrough, driven with the real kubectl
 * against dkp-sim (API server + admission + controller, no mocks): sources, the jsonpath
 * recipes, Module phases, ModuleConfigs, releases and their approval, Conflict, Error and an
 * unknown module name.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLE_REPO, MIRROR_REPO } from '../catalog.ts';
import { start, type SimInstance } from '../index.ts';

let sim: SimInstance;
const dir = mkdtempSync(join(tmpdir(), 'dkp-walkthrough-'));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run kubectl asynchronously (the API server lives in this process). */
function kubectl(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile('kubectl', ['--kubeconfig', sim.kubeconfigPath, ...args], { timeout: 20_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

async function ok(...args: string[]): Promise<string> {
  const run = await kubectl(...args);
  if (run.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed: ${run.stderr}`);
  return run.stdout;
}

/** kubectl apply/create of a YAML document written to a temp file. */
function manifest(name: string, yaml: string): string {
  const path = join(dir, `${name}.yaml`);
  writeFileSync(path, yaml);
  return path;
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const jsonpath = (resource: string, path: string): Promise<string> =>
  ok('get', ...resource.split(' '), '-o', `jsonpath=${path}`);

/** Parse kubectl's table output into rows keyed by header, using the header's column offsets. */
function table(output: string): Record<string, string>[] {
  const [header, ...lines] = output.trimEnd().split('\n');
  const starts = [...header!.matchAll(/\S+(?: \S+)*/g)].map((m) => ({ name: m[0], at: m.index }));
  return lines.map((line) =>
    Object.fromEntries(
      starts.map((col, i) => {
        const end = i + 1 < starts.length ? starts[i + 1]!.at : undefined;
        return [col.name, line.slice(col.at, end).trim()];
      }),
    ),
  );
}

const row = (rows: Record<string, string>[], name: string): Record<string, string> | undefined =>
  rows.find((r) => r.NAME === name);

// The whole walkthrough runs once per Deckhouse release dkp-sim can serve.
describe.each(['1.75', '1.70'])('kubectl walkthrough of the DKP docs on Deckhouse %s', (deckhouseVersion) => {
  beforeAll(async () => {
    sim = await start({ tickMs: 50, deckhouseVersion });
  });

  afterAll(async () => {
    await sim?.stop();
  });

  it('syncs a ModuleSource: kubectl get ms and the jsonpath recipes', async () => {
    await ok(
      'create',
      '-f',
      manifest(
        'ms',
        `apiVersion: deckhouse.io/v1alpha1
kind: ModuleSource
metadata:
  name: example
spec:
  registry:
    repo: ${EXAMPLE_REPO}
`,
      ),
    );
    await until('the source to sync', async () => (await jsonpath('ms example', '{.status.modulesCount}')) === '4');

    const out = await ok('get', 'ms');
    expect(out.split('\n')[0]).toMatch(/^NAME\s+COUNT\s+STATUS\s+SYNC\s+MSG$/);
    expect(row(table(out), 'example')).toMatchObject({
      COUNT: '4',
      STATUS: 'Active',
      MSG: 'Some errors occurred. Inspect status for details',
    });
    expect(row(table(out), 'deckhouse')).toMatchObject({ STATUS: 'Active' });

    const errors = await jsonpath(
      'ms example',
      '{range .status.modules[*]}{.name}{" module error:\\n\\t"}{.pullError}{"\\n"}{end}',
    );
    expect(errors).toContain(
      'module-broken module error:\n\tfetch image error: GET https://registry.example.com/v2/deckhouse/modules/module-broken/release/manifests/stable: MANIFEST_UNKNOWN: manifest unknown; map[Tag:stable]\n',
    );
    expect(errors).toContain('module-one module error:\n\t\n');

    expect(await jsonpath('ms example', '{.status.modules[*].name}')).toBe(
      'module-broken module-faulty module-one module-two',
    );
    expect(await jsonpath('ms', '{.items[*].status.modules[*].name}')).toBe(
      'module-broken module-faulty module-one module-two',
    );
  });

  it('lists the modules as Available, not enabled, not ready', async () => {
    const rows = table(await ok('get', 'module'));
    for (const name of ['module-one', 'module-two', 'module-faulty', 'module-broken']) {
      expect(row(rows, name)).toMatchObject({ PHASE: 'Available', ENABLED: 'False', READY: 'False' });
    }
    expect(await jsonpath('module module-one', '{.properties.availableSources}')).toBe('["example"]');
  });

  it('enables module-one with a ModuleConfig and watches it go Downloading → Installing → Ready', async () => {
    const watch = spawn('kubectl', [
      '--kubeconfig',
      sim.kubeconfigPath,
      'get',
      'module',
      'module-one',
      '-w',
      '-o',
      'jsonpath={.status.phase}{"\\n"}',
    ]);
    let seen = '';
    watch.stdout.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
    });
    try {
      await until('the watch to start', async () => seen.includes('Available'));
      await ok(
        'create',
        '-f',
        manifest(
          'mc-one',
          `apiVersion: deckhouse.io/v1alpha1
kind: ModuleConfig
metadata:
  name: module-one
spec:
  enabled: true
  source: example
`,
        ),
      );
      await until('module-one to be Ready', async () => seen.includes('Ready'));
    } finally {
      watch.kill();
    }
    const phases = [...new Set(seen.split('\n').filter(Boolean))];
    expect(phases).toEqual(['Available', 'Downloading', 'Installing', 'Ready']);
    expect(row(table(await ok('get', 'module', 'module-one')), 'module-one')).toMatchObject({
      SOURCE: 'example',
      PHASE: 'Ready',
      ENABLED: 'True',
      READY: 'True',
    });
    expect(await jsonpath('module module-one', '{.properties.version}')).toBe('v0.7.24');

    const mr = table(await ok('get', 'mr'));
    expect(row(mr, 'module-one-v0.7.24')).toMatchObject({ PHASE: 'Deployed', MESSAGE: '' });
  });

  it('keeps a Manual release Pending until kubectl annotate approves it', async () => {
    await ok(
      'create',
      '-f',
      manifest(
        'mup',
        `apiVersion: deckhouse.io/v1alpha2
kind: ModuleUpdatePolicy
metadata:
  name: manual-policy
spec:
  update:
    mode: Manual
`,
      ),
    );
    await ok(
      'create',
      '-f',
      manifest(
        'mc-two',
        `apiVersion: deckhouse.io/v1alpha1
kind: ModuleConfig
metadata:
  name: module-two
spec:
  enabled: true
  updatePolicy: manual-policy
`,
      ),
    );
    await until(
      'module-two to be Ready',
      async () => (await jsonpath('module module-two', '{.status.phase}')) === 'Ready',
    );
    const published = await fetch(`${sim.url}/_sim/publish`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ repo: EXAMPLE_REPO, module: 'module-two', version: '1.2.4', channel: 'Stable' }),
    });
    expect(published.status).toBe(200);
    const message = `Release is waiting for the 'modules.deckhouse.io/approved: "true"' annotation`;
    await until(
      'the new release to wait',
      async () => (await jsonpath('mr module-two-v1.2.4', '{.status.message}').catch(() => '')) === message,
    );

    const pending = row(table(await ok('get', 'mr')), 'module-two-v1.2.4');
    expect(pending).toMatchObject({ PHASE: 'Pending', 'UPDATE POLICY': 'manual-policy', MESSAGE: message });

    expect(await ok('annotate', 'mr', 'module-two-v1.2.4', 'modules.deckhouse.io/approved=true')).toContain(
      'annotated',
    );
    await until(
      'the approved release to deploy',
      async () => (await jsonpath('mr module-two-v1.2.4', '{.status.phase}')) === 'Deployed',
    );
    expect(await jsonpath('mr module-two-v1.2.3', '{.status.phase}')).toBe('Superseded');
    expect(await jsonpath('mr module-two-v1.2.4', '{.status.approved}')).toBe('true');
  });

  it('shows Conflict when a second source offers an enabled module and none is chosen', async () => {
    await ok(
      'create',
      '-f',
      manifest(
        'ms-mirror',
        `apiVersion: deckhouse.io/v1alpha1
kind: ModuleSource
metadata:
  name: mirror
spec:
  registry:
    repo: ${MIRROR_REPO}
`,
      ),
    );
    await until(
      'module-one to list both sources',
      async () => (await jsonpath('module module-one', '{.properties.availableSources}')) === '["example","mirror"]',
    );
    const patched = await kubectl(
      'patch',
      'mc',
      'module-one',
      '--type=json',
      '-p',
      '[{"op":"remove","path":"/spec/source"}]',
    );
    expect(patched.code).toBe(0);
    expect(patched.stderr).toContain(
      "Warning: module 'module-one' is enabled but didn’t run because multiple sources were found (example, mirror)",
    );
    await until(
      'module-one to conflict',
      async () => (await jsonpath('module module-one', '{.status.phase}')) === 'Conflict',
    );
    expect(row(table(await ok('get', 'module', 'module-one')), 'module-one')).toMatchObject({
      PHASE: 'Conflict',
      ENABLED: 'False',
      READY: 'False',
    });
    expect(row(table(await ok('get', 'mc', 'module-one')), 'module-one')).toMatchObject({
      MESSAGE: 'several available sources: example, mirror',
    });

    await ok('patch', 'mc', 'module-one', '--type=merge', '-p', '{"spec":{"source":"example"}}');
    await until(
      'module-one to be Ready again',
      async () => (await jsonpath('module module-one', '{.status.phase}')) === 'Ready',
    );
  });

  it('shows Error when the module hooks fail', async () => {
    await ok(
      'create',
      '-f',
      manifest(
        'mc-faulty',
        `apiVersion: deckhouse.io/v1alpha1
kind: ModuleConfig
metadata:
  name: module-faulty
spec:
  enabled: true
`,
      ),
    );
    await until(
      'module-faulty to fail',
      async () => (await jsonpath('module module-faulty', '{.status.phase}')) === 'Error',
    );
    expect(row(table(await ok('get', 'module', 'module-faulty')), 'module-faulty')).toMatchObject({
      PHASE: 'Error',
      ENABLED: 'True',
      READY: 'False',
    });
    expect(await jsonpath('module module-faulty', `{.status.conditions[?(@.type=="IsReady")].reason}`)).toBe(
      'HookError',
    );
  });

  it('disables a module that asks for confirmation only with the allow-disabling annotation', async () => {
    const denied = await kubectl('patch', 'mc', 'module-faulty', '--type=merge', '-p', '{"spec":{"enabled":false}}');
    expect(denied.stderr.trim()).toBe(
      'Error from server: admission webhook "module-configs.deckhouse-webhook.deckhouse.io" denied the request: Disabling the module stops all scheduled backups.' +
        "Please annotate ModuleConfig with `modules.deckhouse.io/allow-disabling=true` if you're sure that you want to disable the module.",
    );
    await ok('annotate', 'mc', 'module-faulty', 'modules.deckhouse.io/allow-disabling=true');
    await ok('patch', 'mc', 'module-faulty', '--type=merge', '-p', '{"spec":{"enabled":false}}');
    await until(
      'module-faulty to be Available again',
      async () => (await jsonpath('module module-faulty', '{.status.phase}')) === 'Available',
    );
    await until(
      'the one-shot annotation to be removed',
      async () => (await jsonpath('mc module-faulty', '{.metadata.annotations}')) === '',
    );
  });

  it('rejects enabling an unknown module and marks a disabled one Ignored', async () => {
    const denied = await kubectl(
      'create',
      '-f',
      manifest(
        'mc-typo-on',
        `apiVersion: deckhouse.io/v1alpha1
kind: ModuleConfig
metadata:
  name: helo-world
spec:
  enabled: true
`,
      ),
    );
    expect(denied.code).not.toBe(0);
    expect(denied.stderr.trim()).toBe(
      'Error from server: error when creating "' +
        join(dir, 'mc-typo-on.yaml') +
        `": admission webhook "module-configs.deckhouse-webhook.deckhouse.io" denied the request: the 'helo-world' module not found`,
    );

    const created = await kubectl(
      'create',
      '-f',
      manifest(
        'mc-typo-off',
        `apiVersion: deckhouse.io/v1alpha1
kind: ModuleConfig
metadata:
  name: helo-world
spec:
  enabled: false
`,
      ),
    );
    expect(created.code).toBe(0);
    expect(created.stderr).toContain("Warning: the 'helo-world' module not found");
    await until(
      'the config to be ignored',
      async () => (await jsonpath('mc helo-world', '{.status.message}')) === 'Ignored: unknown module name',
    );
    expect(row(table(await ok('get', 'mc', 'helo-world')), 'helo-world')).toMatchObject({
      ENABLED: 'false',
      MESSAGE: 'Ignored: unknown module name',
    });
  });

  it('refuses to let a user change the built-in deckhouse source or write a Module', async () => {
    const patched = await kubectl(
      'patch',
      'ms',
      'deckhouse',
      '--type=merge',
      '-p',
      '{"spec":{"registry":{"repo":"registry.example.com/other"}}}',
    );
    expect(patched.stderr.trim()).toBe(
      'Error from server (Forbidden): modulesources.deckhouse.io "deckhouse" is forbidden: ValidatingAdmissionPolicy \'label-objects.deckhouse.io\' ' +
        "with binding 'heritage-label-objects.deckhouse.io' denied request: Creating, updating and deleting an objects with the `heritage: deckhouse` label is forbidden",
    );
    const interval = await kubectl('patch', 'ms', 'deckhouse', '--type=merge', '-p', '{"spec":{"scanInterval":"10m"}}');
    // 1.70 has no spec.scanInterval: the patch is pruned to nothing, which the policy still refuses.
    if (deckhouseVersion === '1.70') expect(interval.stderr.trim()).toBe(patched.stderr.trim());
    else expect(interval.code).toBe(0);

    const module = await kubectl('label', 'module', 'module-one', 'team=platform');
    expect(module.stderr.trim()).toBe(
      'Error from server: admission webhook "modules.deckhouse-webhook.deckhouse.io" denied the request: manual Module change is forbidden',
    );
  });
});
