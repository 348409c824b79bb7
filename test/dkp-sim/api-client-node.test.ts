/**
 * @kubernetes/client-node against dkp-sim over real HTTP with the kubeconfig dkp-sim writes:
 * SSA create/update/no-op (no resourceVersion bump), dry-run not persisted, 409 conflicts,
 * merge patch of annotations, list with a label selector, Watch and Lease writes.
 */
import {
  ApiException,
  KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
  Watch,
  type KubernetesObject,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { start, type SimInstance } from './index.ts';

let sim: SimInstance;
let kc: KubeConfig;
let api: KubernetesObjectApi;

function source(
  name: string,
  repo = `registry.example.com/${name}`,
  labels: Record<string, string> = {},
): KubernetesObject & { spec: unknown } {
  return {
    apiVersion: 'deckhouse.io/v1alpha1',
    kind: 'ModuleSource',
    metadata: { name, labels },
    spec: { registry: { repo, dockerCfg: 'e30=' } },
  };
}

async function apply<T extends KubernetesObject>(
  obj: T,
  opts: { dryRun?: boolean; force?: boolean; manager?: string } = {},
): Promise<T> {
  return api.patch(
    obj,
    undefined,
    opts.dryRun ? 'All' : undefined,
    opts.manager ?? 'modsync',
    opts.force ?? false,
    PatchStrategy.ServerSideApply,
  );
}

beforeAll(async () => {
  sim = await start({ controller: false });
  kc = new KubeConfig();
  kc.loadFromFile(sim.kubeconfigPath);
  api = KubernetesObjectApi.makeApiClient(kc);
});
afterAll(async () => {
  await sim.stop();
});

describe('client-node', () => {
  it('uses the kubeconfig dkp-sim wrote', () => {
    expect(kc.getCurrentContext()).toBe('dkp-sim');
    expect(kc.getCurrentCluster()).toMatchObject({ server: sim.url, skipTLSVerify: true });
  });

  it('server-side applies: create, no-op without a resourceVersion bump, update', async () => {
    const created = await apply(source('cn-a'));
    const rv = created.metadata!.resourceVersion;
    expect(rv).toMatch(/^\d+$/);
    sim.control.resetRequests();
    const again = await apply(source('cn-a'));
    expect(again.metadata!.resourceVersion).toBe(rv);
    expect(sim.control.requests()).toMatchObject({ writes: 1, byVerb: { apply: 1 } });
    const updated = await apply(source('cn-a', 'registry.example.com/changed'));
    expect(Number(updated.metadata!.resourceVersion)).toBeGreaterThan(Number(rv));
    expect((updated as ReturnType<typeof source>).spec).toMatchObject({
      registry: { repo: 'registry.example.com/changed', scheme: 'HTTPS' },
    });
  });

  it('does not persist a dry-run apply', async () => {
    const dry = await apply(source('cn-a', 'registry.example.com/dry'), { dryRun: true });
    expect((dry as ReturnType<typeof source>).spec).toMatchObject({ registry: { repo: 'registry.example.com/dry' } });
    const live = await api.read({
      apiVersion: 'deckhouse.io/v1alpha1',
      kind: 'ModuleSource',
      metadata: { name: 'cn-a' },
    });
    expect((live as ReturnType<typeof source>).spec).toMatchObject({
      registry: { repo: 'registry.example.com/changed' },
    });
    expect(sim.control.requests().dryRuns).toBe(1);
  });

  it('raises ApiException 409 with FieldManagerConflict causes', async () => {
    const err = await apply(source('cn-a', 'registry.example.com/theirs'), { manager: 'someone-else' }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ApiException);
    const e = err as ApiException<string>;
    expect(e.code).toBe(409);
    const status = JSON.parse(e.body);
    expect(status.details.causes[0]).toEqual({
      reason: 'FieldManagerConflict',
      message: 'conflict with "modsync"',
      field: '.spec.registry.repo',
    });
  });

  it('merge-patches annotations and lists with a label selector', async () => {
    await apply(source('cn-b', undefined, { owner: 'modsync' }));
    await apply(source('cn-c', undefined, { owner: 'other' }));
    const patched = await api.patch(
      {
        apiVersion: 'deckhouse.io/v1alpha1',
        kind: 'ModuleSource',
        metadata: { name: 'cn-b', annotations: { 'modsync.io/note': 'x' } },
      },
      undefined,
      undefined,
      'modsync',
      undefined,
      PatchStrategy.MergePatch,
    );
    expect(patched.metadata!.annotations).toEqual({ 'modsync.io/note': 'x' });
    const list = await api.list(
      'deckhouse.io/v1alpha1',
      'ModuleSource',
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      'owner=modsync',
    );
    expect(list.items.map((i) => i.metadata!.name)).toEqual(['cn-b']);
  });

  it('writes Leases in a namespace', async () => {
    const l = await api.create({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'modsync', namespace: 'modsync' },
      spec: { holderIdentity: 'pod-a', leaseDurationSeconds: 15 },
    } as KubernetesObject);
    expect(l.metadata!.namespace).toBe('modsync');
    const err = await api
      .create({ ...l, metadata: { name: 'modsync', namespace: 'modsync' } })
      .catch((e: unknown) => e);
    expect((err as ApiException<string>).code).toBe(409);
  });

  it('watches with Watch', async () => {
    const seen: string[] = [];
    const done = new Promise<void>((resolve) => {
      void new Watch(kc)
        .watch(
          '/apis/deckhouse.io/v1alpha1/modulesources',
          { labelSelector: 'watch=me' },
          (type, obj: KubernetesObject) => {
            seen.push(`${type} ${obj.metadata!.name}`);
            if (seen.length === 2) resolve();
          },
          () => resolve(),
        )
        .then(async (ctrl) => {
          await apply(source('cn-w', undefined, { watch: 'me' }));
          await apply({
            ...source('cn-w', undefined, { watch: 'me' }),
            metadata: { name: 'cn-w', labels: { watch: 'me' }, annotations: { a: 'b' } },
          });
          await done;
          ctrl.abort();
        });
    });
    await done;
    expect(seen).toEqual(['ADDED cn-w', 'MODIFIED cn-w']);
  });
});
