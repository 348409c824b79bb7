/**
 * dkp-sim's Kubernetes API over raw HTTP: CRUD with the apiserver's Status errors,
 * optimistic concurrency, the status subresource, patches, field validation, finalizers,
 * preconditions, dry runs, selectors and paging. Discovery is kubectl/discovery.test.ts's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { start, type SimInstance } from './index.ts';
import { call, lease, moduleSource, msPath } from './test-helpers.ts';

let sim: SimInstance;
let base: string;

beforeAll(async () => {
  sim = await start({ controller: false });
  base = sim.url;
});
afterAll(async () => {
  await sim.stop();
});

describe('core namespaces', () => {
  it('serves the seeded namespaces read-only', async () => {
    const ns = await call(base, 'GET', '/api/v1/namespaces');
    expect(ns.body.items.map((n: { metadata: { name: string } }) => n.metadata.name)).toEqual(
      expect.arrayContaining(['default', 'kube-system', 'd8-system', 'modsync']),
    );
    expect((await call(base, 'GET', '/api/v1/namespaces/modsync')).body.status.phase).toBe('Active');
    expect((await call(base, 'DELETE', '/api/v1/namespaces/modsync')).status).toBe(405);
  });
});

describe('create, get, update', () => {
  it('creates with defaults, generation 1 and a uid; a second create is AlreadyExists', async () => {
    const r = await call(base, 'POST', msPath(), moduleSource('crud-a'));
    expect(r.status).toBe(201);
    expect(r.body.spec.registry.scheme).toBe('HTTPS');
    expect(r.body.metadata).toMatchObject({ generation: 1, name: 'crud-a' });
    expect(r.body.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(r.body.metadata.managedFields[0]).toMatchObject({ operation: 'Update' });
    const again = await call(base, 'POST', msPath(), moduleSource('crud-a'));
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({
      kind: 'Status',
      apiVersion: 'v1',
      status: 'Failure',
      reason: 'AlreadyExists',
      code: 409,
      message: 'modulesources.deckhouse.io "crud-a" already exists',
      details: { name: 'crud-a', group: 'deckhouse.io', kind: 'modulesources' },
    });
  });

  it('answers NotFound with the apiserver message', async () => {
    const r = await call(base, 'GET', msPath('nope'));
    expect(r.status).toBe(404);
    expect(r.body).toMatchObject({
      reason: 'NotFound',
      message: 'modulesources.deckhouse.io "nope" not found',
      details: { name: 'nope', group: 'deckhouse.io', kind: 'modulesources' },
    });
  });

  it('rejects invalid objects with 422 Invalid and causes', async () => {
    const bad = moduleSource('Bad_Name');
    (bad.spec as { registry: Record<string, string> }).registry.scheme = 'FTP';
    const r = await call(base, 'POST', msPath(), bad);
    expect(r.status).toBe(422);
    expect(r.body.reason).toBe('Invalid');
    expect(r.body.message).toMatch(
      /^ModuleSource\.deckhouse\.io "Bad_Name" is invalid: \[metadata\.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain/,
    );
    expect(r.body.message).toContain(
      'spec.registry.scheme: Unsupported value: "FTP": supported values: "HTTP", "HTTPS"',
    );
    expect(r.body.details.causes).toEqual(
      expect.arrayContaining([
        {
          reason: 'FieldValueNotSupported',
          message: 'Unsupported value: "FTP": supported values: "HTTP", "HTTPS"',
          field: 'spec.registry.scheme',
        },
      ]),
    );
    expect((await call(base, 'GET', msPath('Bad_Name'))).status).toBe(404);
  });

  it('enforces optimistic concurrency on PUT and skips no-op writes', async () => {
    const created = (await call(base, 'POST', msPath(), moduleSource('crud-b'))).body;
    const same = await call(base, 'PUT', msPath('crud-b'), created);
    expect(same.status).toBe(200);
    expect(same.body.metadata.resourceVersion).toBe(created.metadata.resourceVersion);
    const changed = structuredClone(created);
    changed.spec.registry.repo = 'registry.example.com/other';
    const updated = await call(base, 'PUT', msPath('crud-b'), changed);
    expect(updated.body.metadata.generation).toBe(2);
    expect(Number(updated.body.metadata.resourceVersion)).toBeGreaterThan(Number(created.metadata.resourceVersion));
    const stale = await call(base, 'PUT', msPath('crud-b'), changed);
    expect(stale.status).toBe(409);
    expect(stale.body.message).toBe(
      'Operation cannot be fulfilled on modulesources.deckhouse.io "crud-b": the object has been modified; please apply your changes to the latest version and try again',
    );
  });

  it('keeps status out of main writes and everything but status out of status writes', async () => {
    const created = (await call(base, 'POST', msPath(), { ...moduleSource('crud-c'), status: { message: 'ignored' } }))
      .body;
    expect(created.status).toBeUndefined();
    const withStatus = { ...created, status: { message: 'synced', modulesCount: 2 } };
    withStatus.spec = { registry: { ...created.spec.registry, repo: 'registry.example.com/changed' } };
    const s = await call(base, 'PUT', msPath('crud-c', 'status'), withStatus);
    expect(s.status).toBe(200);
    expect(s.body.status).toEqual({ message: 'synced', modulesCount: 2 });
    expect(s.body.spec.registry.repo).toBe('registry.example.com/crud-c');
    expect(s.body.metadata.generation).toBe(1);
    const main = await call(base, 'PUT', msPath('crud-c'), { ...s.body, status: { message: 'client' } });
    expect(main.body.status.message).toBe('synced');
    expect(
      (
        await call(
          base,
          'PUT',
          '/apis/coordination.k8s.io/v1/namespaces/default/leases/x/status',
          lease('x', 'default'),
        )
      ).status,
    ).toBe(404);
  });

  it('defaults the field manager of non-apply writes from the User-Agent', async () => {
    const r = await call(base, 'POST', msPath(), moduleSource('crud-ua'), 'application/json', {
      'User-Agent': 'kubectl/v1.32.4 (linux/amd64) kubernetes/59526cd',
    });
    expect(r.body.metadata.managedFields.map((m: { manager: string }) => m.manager)).toEqual(['kubectl']);
    const named = await call(
      base,
      'PATCH',
      `${msPath('crud-ua')}?fieldManager=kubectl-annotate`,
      { metadata: { annotations: { a: 'b' } } },
      'application/merge-patch+json',
    );
    expect(named.body.metadata.managedFields.map((m: { manager: string }) => m.manager)).toEqual([
      'kubectl',
      'kubectl-annotate',
    ]);
  });

  it('refuses a resourceVersion on create, after validation, like the apiserver storage', async () => {
    const r = await call(base, 'POST', msPath(), {
      ...moduleSource('crud-rv'),
      metadata: { name: 'crud-rv', resourceVersion: '5' },
    });
    expect(r.status).toBe(500);
    expect(r.body).toMatchObject({ code: 500, message: 'resourceVersion should not be set on objects to be created' });
    expect(r.body.reason).toBeUndefined();
    const invalidAndExisting = {
      ...moduleSource('crud-a'),
      spec: { registry: { repo: 'r', dockerCfg: 'e30=', scheme: 'FTP' } },
    };
    expect((await call(base, 'POST', msPath(), invalidAndExisting)).status).toBe(422);
  });

  it('creates names from generateName', async () => {
    const r = await call(base, 'POST', msPath(), { ...moduleSource(''), metadata: { generateName: 'gen-' } });
    expect(r.status).toBe(201);
    expect(r.body.metadata.name).toMatch(/^gen-[a-z0-9]{5}$/);
  });

  it('serves namespaced Leases only in existing namespaces', async () => {
    const ok = await call(
      base,
      'POST',
      '/apis/coordination.k8s.io/v1/namespaces/modsync/leases',
      lease('lock', 'modsync'),
    );
    expect(ok.status).toBe(201);
    const missing = await call(
      base,
      'POST',
      '/apis/coordination.k8s.io/v1/namespaces/ghost/leases',
      lease('lock', 'ghost'),
    );
    expect(missing.status).toBe(404);
    expect(missing.body.message).toBe('namespaces "ghost" not found');
    const zero = await call(base, 'POST', '/apis/coordination.k8s.io/v1/namespaces/modsync/leases', {
      ...lease('zero', 'modsync'),
      spec: { leaseDurationSeconds: 0 },
    });
    expect(zero.status).toBe(422);
    expect(zero.body.details.causes[0].field).toBe('spec.leaseDurationSeconds');
    const all = await call(base, 'GET', '/apis/coordination.k8s.io/v1/leases');
    expect(all.body.items.map((l: { metadata: { namespace: string } }) => l.metadata.namespace)).toEqual(['modsync']);
  });
});

describe('patches and field validation', () => {
  it('merge-patches and JSON-patches; strategic merge patch is 415 as for every CR', async () => {
    await call(base, 'POST', msPath(), moduleSource('patch-a'));
    const m = await call(
      base,
      'PATCH',
      msPath('patch-a'),
      { metadata: { annotations: { team: 'a' } } },
      'application/merge-patch+json',
    );
    expect(m.body.metadata.annotations).toEqual({ team: 'a' });
    expect(m.body.metadata.generation).toBe(1);
    const j = await call(
      base,
      'PATCH',
      msPath('patch-a'),
      [{ op: 'replace', path: '/spec/registry/repo', value: 'registry.example.com/j' }],
      'application/json-patch+json',
    );
    expect(j.body.spec.registry.repo).toBe('registry.example.com/j');
    expect(j.body.metadata.generation).toBe(2);
    const s = await call(
      base,
      'PATCH',
      msPath('patch-a'),
      { metadata: { labels: { a: 'b' } } },
      'application/strategic-merge-patch+json',
    );
    expect(s.status).toBe(415);
    expect(s.body.reason).toBe('UnsupportedMediaType');
    expect((await call(base, 'PATCH', msPath('missing'), {}, 'application/merge-patch+json')).status).toBe(404);
  });

  it('prunes unknown fields with a Warning by default, rejects them under Strict, drops them silently under Ignore', async () => {
    const body = moduleSource('fv-a');
    (body.spec as Record<string, unknown>).foo = 1;
    const strict = await call(base, 'POST', `${msPath()}?fieldValidation=Strict`, body);
    expect(strict.status).toBe(400);
    expect(strict.body.message).toBe(
      'ModuleSource in version "v1alpha1" cannot be handled as a ModuleSource: strict decoding error: unknown field "spec.foo"',
    );
    const warn = await call(base, 'POST', msPath(), body);
    expect(warn.status).toBe(201);
    expect(warn.headers.get('warning')).toBe('299 - "unknown field \\"spec.foo\\""');
    expect(warn.body.spec.foo).toBeUndefined();
    const ignore = await call(base, 'POST', `${msPath()}?fieldValidation=Ignore`, {
      ...body,
      metadata: { name: 'fv-b' },
    });
    expect(ignore.headers.get('warning')).toBeNull();
    expect(ignore.body.spec.foo).toBeUndefined();
  });
});

describe('delete', () => {
  it('keeps objects with finalizers until the last one is removed', async () => {
    await call(base, 'POST', msPath(), {
      ...moduleSource('del-a'),
      metadata: { name: 'del-a', finalizers: ['example.com/hold'] },
    });
    const d = await call(base, 'DELETE', msPath('del-a'));
    expect(d.status).toBe(200);
    expect(d.body.metadata.deletionTimestamp).toMatch(/Z$/);
    expect((await call(base, 'GET', msPath('del-a'))).status).toBe(200);
    const released = await call(
      base,
      'PATCH',
      msPath('del-a'),
      { metadata: { finalizers: null } },
      'application/merge-patch+json',
    );
    expect(released.status).toBe(200);
    expect((await call(base, 'GET', msPath('del-a'))).status).toBe(404);
  });

  it('checks uid and resourceVersion preconditions', async () => {
    const created = (await call(base, 'POST', msPath(), moduleSource('del-b'))).body;
    const uid = await call(base, 'DELETE', msPath('del-b'), { preconditions: { uid: 'other' } });
    expect(uid.status).toBe(409);
    expect(uid.body.message).toBe(
      `Operation cannot be fulfilled on modulesources.deckhouse.io "del-b": Precondition failed: UID in precondition: other, UID in object meta: ${created.metadata.uid}`,
    );
    const rv = await call(base, 'DELETE', msPath('del-b'), { preconditions: { resourceVersion: '1' } });
    expect(rv.status).toBe(409);
    expect(rv.body.message).toContain('Precondition failed: ResourceVersion in precondition: 1');
    expect((await call(base, 'DELETE', msPath('del-b'), { preconditions: { uid: created.metadata.uid } })).status).toBe(
      200,
    );
    expect((await call(base, 'GET', msPath('del-b'))).status).toBe(404);
  });

  it('deletes a collection by label selector', async () => {
    for (const name of ['dc-a', 'dc-b'])
      await call(base, 'POST', msPath(), { ...moduleSource(name), metadata: { name, labels: { batch: 'dc' } } });
    await call(base, 'POST', msPath(), moduleSource('dc-keep'));
    const r = await call(base, 'DELETE', `${msPath()}?labelSelector=batch%3Ddc`);
    expect(r.status).toBe(200);
    expect(r.body.items.map((i: { metadata: { name: string } }) => i.metadata.name)).toEqual(['dc-a', 'dc-b']);
    expect((await call(base, 'GET', msPath('dc-a'))).status).toBe(404);
    expect((await call(base, 'GET', msPath('dc-keep'))).status).toBe(200);
  });

  it('does not persist dry-run writes', async () => {
    const c = await call(base, 'POST', `${msPath()}?dryRun=All`, moduleSource('dry-a'));
    expect(c.status).toBe(201);
    expect(c.body.spec.registry.scheme).toBe('HTTPS');
    expect((await call(base, 'GET', msPath('dry-a'))).status).toBe(404);
    await call(base, 'POST', msPath(), moduleSource('dry-b'));
    expect((await call(base, 'DELETE', `${msPath('dry-b')}?dryRun=All`)).status).toBe(200);
    expect((await call(base, 'GET', msPath('dry-b'))).status).toBe(200);
  });
});

describe('list', () => {
  it('filters by label and field selectors', async () => {
    for (const [name, tier] of [
      ['sel-a', 'gold'],
      ['sel-b', 'silver'],
      ['sel-c', ''],
    ] as const) {
      const labels: Record<string, string> = { suite: 'sel' };
      if (tier) labels.tier = tier;
      await call(base, 'POST', msPath(), { ...moduleSource(name), metadata: { name, labels } });
    }
    const names = async (q: string): Promise<string[]> =>
      (await call(base, 'GET', `${msPath()}?${q}`)).body.items.map(
        (i: { metadata: { name: string } }) => i.metadata.name,
      );
    expect(await names('labelSelector=tier%3Dgold')).toEqual(['sel-a']);
    expect(await names('labelSelector=tier%3D%3Dgold')).toEqual(['sel-a']);
    expect(await names('labelSelector=suite%3Dsel,tier!%3Dgold')).toEqual(['sel-b', 'sel-c']);
    expect(await names(`labelSelector=${encodeURIComponent('tier in (gold,silver)')}`)).toEqual(['sel-a', 'sel-b']);
    expect(await names(`labelSelector=${encodeURIComponent('suite,tier notin (gold)')}`)).toEqual(['sel-b', 'sel-c']);
    expect(await names('labelSelector=suite,!tier')).toEqual(['sel-c']);
    expect(await names('fieldSelector=metadata.name%3Dsel-b')).toEqual(['sel-b']);
    expect((await call(base, 'GET', `${msPath()}?fieldSelector=spec.x%3D1`)).status).toBe(400);
  });

  it('pages with limit and an opaque continue token at a stable resourceVersion', async () => {
    const first = await call(base, 'GET', `${msPath()}?labelSelector=suite%3Dsel&limit=2`);
    expect(first.body.kind).toBe('ModuleSourceList');
    expect(first.body.items).toHaveLength(2);
    expect(first.body.metadata.remainingItemCount).toBe(1);
    const token = first.body.metadata.continue as string;
    expect(token).not.toContain('sel-b');
    const second = await call(
      base,
      'GET',
      `${msPath()}?labelSelector=suite%3Dsel&limit=2&continue=${encodeURIComponent(token)}`,
    );
    expect(second.body.items.map((i: { metadata: { name: string } }) => i.metadata.name)).toEqual(['sel-c']);
    expect(second.body.metadata.continue).toBeUndefined();
    expect(second.body.metadata.resourceVersion).toBe(first.body.metadata.resourceVersion);
    expect((await call(base, 'GET', `${msPath()}?continue=garbage`)).status).toBe(400);
  });
});
