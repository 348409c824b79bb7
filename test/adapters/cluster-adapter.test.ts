/**
 * The cluster adapter against dkp-sim over real HTTP: reads, server-side apply, dry runs,
 * conflicts, merge patches, deletes with preconditions, and the errors a user gets.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createKubeAdapter } from '../../src/cluster/kube-adapter.ts';
import { loadKubeConfig } from '../../src/cluster/kubeconfig.ts';
import type { ClusterPort } from '../../src/cluster/port.ts';
import { CLUSTER_KINDS } from '../../src/core/kinds.ts';
import { ClusterError } from '../../src/core/errors.ts';
import type { KubeObject } from '../../src/core/object.ts';
import { start } from '../dkp-sim/index.ts';

type Sim = Awaited<ReturnType<typeof start>>;
let sim: Sim;

beforeAll(async () => {
  sim = await start({ port: 0, controller: false });
});
afterAll(async () => {
  await sim.stop();
});
beforeEach(() => {
  sim.control.clearFaults();
});

function adapter(extra: Partial<Parameters<typeof createKubeAdapter>[0]> = {}): ClusterPort {
  const { kc } = loadKubeConfig({ kubeconfig: sim.kubeconfigPath, env: {} });
  return createKubeAdapter({ kc, timeoutMs: 2000, retries: 2, baseDelayMs: 10, maxDelayMs: 50, ...extra });
}

function moduleConfig(name: string, spec: Record<string, unknown>): KubeObject {
  return {
    apiVersion: 'deckhouse.io/v1alpha1',
    kind: 'ModuleConfig',
    metadata: { name },
    spec: spec as KubeObject['spec'],
  };
}

/** Applies as another field manager, the way `kubectl apply --server-side` would. */
async function applyAs(manager: string, obj: KubeObject): Promise<void> {
  const res = await fetch(
    `${sim.url}/apis/deckhouse.io/v1alpha1/moduleconfigs/${obj.metadata.name}?fieldManager=${manager}`,
    {
      method: 'PATCH',
      headers: { 'content-type': 'application/apply-patch+yaml' },
      body: JSON.stringify(obj),
    },
  );
  expect(res.status).toBeLessThan(300);
}

async function caught(promise: Promise<unknown>): Promise<ClusterError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ClusterError);
  return err as ClusterError;
}

describe('reading', () => {
  it('lists every kind with exactly one LIST each and asks no discovery', async () => {
    const cluster = adapter();
    await cluster.apply(moduleConfig('list-a', { version: 1 }), { dryRun: false });
    await cluster.apply(moduleConfig('list-b', { version: 1 }), { dryRun: false });

    const seen: string[] = [];
    const reader = adapter({ onRequest: (verb, kind) => seen.push(`${verb} ${kind}`) });
    sim.control.resetRequests();
    const configs = await reader.list('ModuleConfig');
    for (const kind of CLUSTER_KINDS) await reader.list(kind);
    const counts = sim.control.requests();

    expect(configs.map((o) => o.metadata.name)).toEqual(expect.arrayContaining(['list-a', 'list-b']));
    expect(configs.every((o) => o.kind === 'ModuleConfig' && o.apiVersion === 'deckhouse.io/v1alpha1')).toBe(true);
    expect(counts.byVerb.list).toBe(1 + CLUSTER_KINDS.length);
    // The kinds' groups, versions and plurals are known (core/kinds.ts): nothing else is asked.
    expect(counts.total).toBe(1 + CLUSTER_KINDS.length);
    expect(counts.byVerb.discovery).toBe(0);
    expect(seen).toEqual(['list ModuleConfig', ...CLUSTER_KINDS.map((k) => `list ${k}`)]);
  });

  it('follows continue tokens through a paged list', async () => {
    const cluster = adapter({ pageSize: 2 });
    for (const n of [1, 2, 3, 4, 5]) await cluster.apply(moduleConfig(`page-${n}`, { version: 1 }), { dryRun: false });
    sim.control.resetRequests();
    const names = (await cluster.list('ModuleConfig')).map((o) => o.metadata.name);
    expect(names).toEqual(expect.arrayContaining(['page-1', 'page-2', 'page-3', 'page-4', 'page-5']));
    expect(new Set(names).size).toBe(names.length);
    expect(sim.control.requests().byVerb.list).toBe(Math.ceil(names.length / 2));
  });

  it('returns plain JSON as the server sent it, and null for a missing object', async () => {
    const cluster = adapter();
    await cluster.apply(moduleConfig('plain', { version: 1, settings: { replicas: 2 } }), { dryRun: false });
    const got = await cluster.get({ kind: 'ModuleConfig', name: 'plain' });
    expect(got).not.toBeNull();
    expect(Object.getPrototypeOf(got!.metadata)).toBe(Object.prototype);
    expect(typeof got!.metadata.creationTimestamp).toBe('string');
    const entry = got!.metadata.managedFields?.find((m) => m.manager === 'modsync');
    expect(entry?.operation).toBe('Apply');
    expect(typeof entry?.time).toBe('string');
    expect(entry?.fieldsV1).toMatchObject({ 'f:spec': { 'f:settings': { 'f:replicas': {} } } });
    expect(await cluster.get({ kind: 'ModuleConfig', name: 'no-such-config' })).toBeNull();
  });
});

describe('server-side apply', () => {
  it('creates, updates, and leaves an unchanged object alone', async () => {
    const cluster = adapter();
    const created = await cluster.apply(moduleConfig('ssa', { version: 1, settings: { replicas: 1 } }), {
      dryRun: false,
    });
    expect(created.metadata.uid).toBeTruthy();
    const rv = created.metadata.resourceVersion;

    const again = await cluster.apply(moduleConfig('ssa', { version: 1, settings: { replicas: 1 } }), {
      dryRun: false,
    });
    expect(again.metadata.resourceVersion).toBe(rv);

    const updated = await cluster.apply(moduleConfig('ssa', { version: 1, settings: { replicas: 3 } }), {
      dryRun: false,
    });
    expect(updated.metadata.resourceVersion).not.toBe(rv);
    expect((await cluster.get({ kind: 'ModuleConfig', name: 'ssa' }))?.spec).toEqual({
      version: 1,
      settings: { replicas: 3 },
    });
  });

  it('returns the would-be object of a dry run without storing it', async () => {
    const cluster = adapter();
    sim.control.resetRequests();
    const preview = await cluster.apply(moduleConfig('dry', { version: 1, settings: { a: 'b' } }), { dryRun: true });
    expect(preview.spec).toEqual({ version: 1, settings: { a: 'b' } });
    const counts = sim.control.requests();
    expect(counts.dryRuns).toBe(1);
    expect(counts.writes).toBe(0);
    expect(await cluster.get({ kind: 'ModuleConfig', name: 'dry' })).toBeNull();
  });

  it('reports a field owned by another manager as a conflict, and takes it with force', async () => {
    await applyAs('kubectl', moduleConfig('owned', { version: 1, settings: { replicas: 2 } }));
    const cluster = adapter();
    sim.control.resetRequests();
    const err = await caught(
      cluster.apply(moduleConfig('owned', { version: 1, settings: { replicas: 5 } }), { dryRun: false }),
    );
    expect(err.code).toBe(409);
    expect(err.statusReason).toBe('Conflict');
    expect(err.transient).toBe(false);
    expect(err.message).toMatch(/^ModuleConfig\/owned: Apply failed with 1 conflict: conflict with "kubectl"/);
    expect(err.causes).toEqual([
      expect.objectContaining({ reason: 'FieldManagerConflict', field: '.spec.settings.replicas' }),
    ]);
    expect(sim.control.requests().byVerb.apply).toBe(1);

    const forced = await cluster.apply(moduleConfig('owned', { version: 1, settings: { replicas: 5 } }), {
      dryRun: false,
      force: true,
    });
    expect(forced.spec).toEqual({ version: 1, settings: { replicas: 5 } });
  });

  it('reports an admission denial with the webhook message, without retrying', async () => {
    const cluster = adapter();
    sim.control.resetRequests();
    const err = await caught(cluster.apply(moduleConfig('not-a-module', { enabled: true }), { dryRun: false }));
    expect(err.code).toBeGreaterThanOrEqual(400);
    expect(err.code).toBeLessThan(500);
    expect(err.message).toMatch(/^ModuleConfig\/not-a-module: admission webhook ".+" denied the request: /);
    expect(err.message).toContain("the 'not-a-module' module not found");
    expect(sim.control.requests().byVerb.apply).toBe(1);
  });

  it('reports schema violations with their fields, without retrying', async () => {
    const cluster = adapter();
    sim.control.resetRequests();
    const err = await caught(
      cluster.apply(moduleConfig('bad-schema', { version: 1, maintenance: 'Sometimes' }), { dryRun: false }),
    );
    expect(err.code).toBe(422);
    expect(err.statusReason).toBe('Invalid');
    expect(err.causes).toEqual([
      expect.objectContaining({ field: 'spec.maintenance', reason: 'FieldValueNotSupported' }),
    ]);
    expect(sim.control.requests().byVerb.apply).toBe(1);
  });
});

describe('merge patch and delete', () => {
  it('sets an annotation with a merge patch and keeps the rest', async () => {
    const cluster = adapter();
    await cluster.apply(moduleConfig('annotated', { version: 1, settings: { x: 1 } }), { dryRun: false });
    const patched = await cluster.mergePatch(
      { kind: 'ModuleConfig', name: 'annotated' },
      { metadata: { annotations: { 'modules.deckhouse.io/approved': 'true' } } },
      { dryRun: false },
    );
    expect(patched.metadata.annotations).toEqual({ 'modules.deckhouse.io/approved': 'true' });
    const live = await cluster.get({ kind: 'ModuleConfig', name: 'annotated' });
    expect(live?.metadata.annotations?.['modules.deckhouse.io/approved']).toBe('true');
    expect(live?.spec).toEqual({ version: 1, settings: { x: 1 } });
  });

  it('applies a JSON patch (a test op guards it) and returns the stored object; a dry run stores nothing', async () => {
    const cluster = adapter();
    await cluster.apply(moduleConfig('json-patched', { version: 1, settings: { x: 1 } }), { dryRun: false });
    const id = { kind: 'ModuleConfig', name: 'json-patched' } as const;
    const ops = [
      { op: 'test' as const, path: '/spec/settings/x', value: 1 },
      { op: 'replace' as const, path: '/spec/settings/x', value: 2 },
    ];
    const preview = await cluster.jsonPatch(id, ops, { dryRun: true });
    expect(preview.spec).toEqual({ version: 1, settings: { x: 2 } });
    expect((await cluster.get(id))?.spec).toEqual({ version: 1, settings: { x: 1 } });
    const stored = await cluster.jsonPatch(id, ops, { dryRun: false });
    expect(stored.spec).toEqual({ version: 1, settings: { x: 2 } });
    // The test op no longer holds: the server refuses the whole patch, and it is not retried.
    sim.control.resetRequests();
    const err = await caught(cluster.jsonPatch(id, ops, { dryRun: false }));
    expect(err.message).toMatch(/^ModuleConfig\/json-patched: /);
    expect(err.transient).toBe(false);
    expect(sim.control.requests().byVerb.patch).toBe(1);
  });

  it('refuses to delete with stale preconditions, deletes with fresh ones, and tolerates a second delete', async () => {
    const cluster = adapter();
    const obj = await cluster.apply(moduleConfig('doomed', { version: 1 }), { dryRun: false });
    const id = { kind: 'ModuleConfig', name: 'doomed' } as const;
    await cluster.apply(moduleConfig('doomed', { version: 1, settings: { changed: true } }), { dryRun: false });

    sim.control.resetRequests();
    const err = await caught(
      cluster.delete(id, { dryRun: false, uid: obj.metadata.uid, resourceVersion: obj.metadata.resourceVersion }),
    );
    expect(err.code).toBe(409);
    expect(err.message).toMatch(/^ModuleConfig\/doomed: /);
    expect(sim.control.requests().byVerb.delete).toBe(1);
    expect(await cluster.get(id)).not.toBeNull();

    await cluster.delete(id, { dryRun: true, uid: obj.metadata.uid });
    expect(await cluster.get(id)).not.toBeNull();

    const live = await cluster.get(id);
    await cluster.delete(id, {
      dryRun: false,
      uid: live!.metadata.uid,
      resourceVersion: live!.metadata.resourceVersion,
    });
    expect(await cluster.get(id)).toBeNull();
    await expect(cluster.delete(id, { dryRun: false })).resolves.toBeUndefined();
  });
});
