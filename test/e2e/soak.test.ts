/**
 * Fault soak, bounded: a fixed number of syncs (in process, the ports the CLI builds) against
 * dkp-sim answering a share of requests with 5xx, 429, 409, connection resets and requests
 * that never answer (`/_sim/faults`), while a person's `git` processes push to the same branch.
 * Afterwards, with the faults lifted and at most a few converging runs: the cluster equals git,
 * no pushed commit is lost, an object modsync does not own is untouched, the secret never
 * appears in any output or commit, and the report committed by the converging run equals the
 * cluster.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments, stringify } from 'yaml';
import type { FaultRule } from '../dkp-sim/faults.ts';
import { exampleFiles } from '../support/demo-env.ts';
import { startForgeEnv, type ForgeEnv } from '../support/fake-forge.ts';
import { git, pushFiles, readBranchFile } from '../support/git-repo.ts';
import { applyAs, getObject, listObjects, type SimObject } from './helpers.ts';

const ROOT = 'clusters/demo';
const RUNS = 8;
const HUMAN_PUSHES = 5;
/** Each rule's `count`: what is left of it afterwards tells how often it hit. */
const BUDGET = 1000;
const PASSWORD = 'soak-registry-password-91c2';
const AUTH = Buffer.from(`robot:${PASSWORD}`).toString('base64');
const DOCKER_CFG = Buffer.from(JSON.stringify({ auths: { 'registry.example.com': { auth: AUTH } } })).toString(
  'base64',
);
const SECRETS = [PASSWORD, AUTH, DOCKER_CFG];

/** A share of every kind of fault; `timeout` requests are cut by --cluster-timeout 1. */
const FAULTS: FaultRule[] = [
  { status: 503, rate: 0.08 },
  { status: 500, rate: 0.04 },
  { status: 429, rate: 0.05 },
  { verb: 'apply', status: 409, rate: 0.15 },
  { reset: true, rate: 0.04 },
  { timeout: true, rate: 0.01 },
].map((rule) => ({ ...rule, count: BUDGET }) as FaultRule);

function moduleConfig(name: string, spec: Record<string, unknown>): string {
  const head = { apiVersion: 'deckhouse.io/v1alpha1', kind: 'ModuleConfig', metadata: { name } };
  return stringify({ ...head, spec: { enabled: true, source: 'example', ...spec } });
}

/** A person pushing: a fresh clone each time, pushed again when modsync's report won the race. */
async function personPush(env: ForgeEnv, i: number): Promise<string> {
  const one = { updatePolicy: 'stable-auto', version: 1, settings: { replicas: 3 + i } };
  const two = { updatePolicy: i % 2 ? 'stable-auto' : 'manual-approval' };
  const files = {
    [`${ROOT}/modules/module-one.yaml`]: moduleConfig('module-one', one),
    [`${ROOT}/modules/module-two.yaml`]: moduleConfig('module-two', two),
  };
  for (let attempt = 0; ; attempt++) {
    try {
      return await pushFiles(env.bareDir, 'main', files, `Person's change ${i}`);
    } catch (err) {
      if (attempt >= 5) throw err;
    }
  }
}

/** Every object of the desired state at main's head, placeholders as the cluster must hold them. */
async function desiredAtHead(env: ForgeEnv): Promise<SimObject[]> {
  const listing = await git(['ls-tree', '-r', '--name-only', 'refs/heads/main', ROOT], env.bareDir);
  const names = listing.split('\n').filter((n) => /\.ya?ml$/.test(n) && !n.startsWith(`${ROOT}/status/`));
  const out: SimObject[] = [];
  for (const name of names) {
    const text = (await readBranchFile(env.bareDir, 'main', name)) ?? '';
    for (const doc of parseAllDocuments(text)) {
      const obj = doc.toJS() as SimObject | null;
      if (!obj?.kind) continue;
      out.push(JSON.parse(JSON.stringify(obj).replace('${secret:registry-example}', DOCKER_CFG)) as SimObject);
    }
  }
  return out;
}

describe('fault soak', () => {
  let env: ForgeEnv;
  let flags: Record<string, string>;
  beforeAll(async () => {
    const files = exampleFiles();
    files[`${ROOT}/sources/example.yaml`] = files[`${ROOT}/sources/example.yaml`]!.replace(
      'repo: registry.example.com/deckhouse/modules',
      'repo: registry.example.com/deckhouse/modules\n    dockerCfg: ${secret:registry-example}',
    );
    env = await startForgeEnv({ files });
    const secretsDir = `${env.workDir}/secrets`;
    mkdirSync(secretsDir);
    writeFileSync(`${secretsDir}/registry-example`, DOCKER_CFG);
    const cluster = { 'cluster-retries': '2', 'cluster-timeout': '1', 'module-wait': '2' };
    flags = { 'git-host': 'none', 'secrets-dir': secretsDir, ...cluster };
  });
  afterAll(async () => env?.stop());

  it('keeps every promise after syncs under API faults and concurrent pushes', { timeout: 90_000 }, async () => {
    const kind = { apiVersion: 'deckhouse.io/v1alpha2', kind: 'ModuleUpdatePolicy' };
    const handMade = { ...kind, metadata: { name: 'hand-made' } };
    const foreign = await applyAs(env, 'kubectl', { ...handMade, spec: { update: { mode: 'Manual' } } });
    const outputs: string[] = [];
    const humanCommits: string[] = [];

    env.sim.control.setFaults(FAULTS);
    const pusher = (async () => {
      for (let i = 0; i < HUMAN_PUSHES - 1; i++) {
        humanCommits.push(await personPush(env, i));
        await new Promise((r) => setTimeout(r, 300));
      }
    })();
    for (let run = 0; run < RUNS; run++) {
      const result = await env.sync('sync', flags);
      outputs.push(JSON.stringify(result), ...result.logs.map((l) => JSON.stringify(l)));
    }
    await pusher;
    const left = (await (await fetch(`${env.sim.url}/_sim/faults`)).json()) as FaultRule[];
    const hits = left.reduce((n, r) => n + BUDGET - (r.count ?? 0), 0);
    env.sim.control.clearFaults();
    // The soak met faults, or it proved nothing. A steady-state run makes 5 LISTs, so the 8 runs
    // send ~45 API requests: ~10 meet a fault at these rates, none with a chance below 1e-4
    // (more than 5, as this asked before, failed about one run in ten).
    expect(hits).toBeGreaterThan(0);
    // The last change lands after the faults: the converging run applies it and reports it.
    humanCommits.push(await personPush(env, HUMAN_PUSHES - 1));

    // Converge: the faults are gone, so a run or two applies the last pushed state.
    let converged: Awaited<ReturnType<ForgeEnv['sync']>> | undefined;
    for (let run = 0; run < 3 && !converged?.ok; run++) {
      converged = await env.sync('sync', flags);
      outputs.push(JSON.stringify(converged), ...converged.logs.map((l) => JSON.stringify(l)));
    }
    expect(converged?.ok, JSON.stringify(converged?.stages)).toBe(true);
    const applied = converged?.changes.filter((c) => c.action !== 'unchanged').map((c) => c.subject);
    expect(applied).toContain('ModuleConfig/module-two');

    // The cluster equals git.
    for (const want of await desiredAtHead(env)) {
      const live = await getObject(env, want.kind, want.metadata.name);
      expect(live?.spec, `${want.kind}/${want.metadata.name}`).toMatchObject(want.spec ?? {});
      expect(live?.metadata.labels?.['modsync.io/instance']).toBe('modsync');
    }
    // No pushed commit lost: every person's commit is on main.
    expect(humanCommits).toHaveLength(HUMAN_PUSHES);
    for (const sha of humanCommits) await git(['merge-base', '--is-ancestor', sha, 'refs/heads/main'], env.bareDir);
    await git(['fsck', '--no-progress'], env.bareDir);
    // Nothing unowned touched.
    const after = await getObject(env, 'ModuleUpdatePolicy', 'hand-made');
    expect(after?.metadata.resourceVersion).toBe(foreign.metadata.resourceVersion);
    expect(after?.metadata.labels?.['modsync.io/instance']).toBeUndefined();
    // No secret in any output or commit.
    const history = await git(['log', '-p', '--all', '--format=%H %an %s'], env.bareDir);
    for (const secret of SECRETS) {
      expect(outputs.some((o) => o.includes(secret))).toBe(false);
      expect(history.includes(secret)).toBe(false);
    }
    // The report committed by the converging run describes the cluster as it left it.
    const report = parse((await readBranchFile(env.bareDir, 'main', `${ROOT}/status/status.yaml`)) ?? '') as {
      configs: { name: string; enabled: string; source: string; updatePolicy: string }[];
      sources: { name: string }[];
    };
    const liveConfigs = await listObjects(env, 'ModuleConfig');
    const reported = report.configs.map(({ name, enabled, source, updatePolicy }) => ({
      name,
      enabled,
      source,
      updatePolicy,
    }));
    const live = liveConfigs.map((c) => ({
      name: c.metadata.name,
      enabled: c.spec?.enabled === undefined ? '' : String(c.spec.enabled),
      source: String(c.spec?.source ?? ''),
      updatePolicy: String(c.spec?.updatePolicy ?? ''),
    }));
    expect(reported).toEqual(live.sort((a, b) => (a.name < b.name ? -1 : 1)));
    const liveSources = (await listObjects(env, 'ModuleSource')).map((s) => s.metadata.name);
    expect(report.sources.map((s) => s.name).sort()).toEqual(liveSources.sort());
  });
});
