/**
 * Discovery over raw HTTP, the documents kubectl walks before it reads or writes anything:
 * the group list, each group version's APIResourceList, /version and /api.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { start, type SimInstance } from '../index.ts';
import { call } from '../test-helpers.ts';

let sim: SimInstance;
let base: string;

beforeAll(async () => {
  sim = await start({ controller: false });
  base = sim.url;
});
afterAll(async () => {
  await sim.stop();
});

describe('discovery', () => {
  it('lists the deckhouse.io and coordination.k8s.io groups with their preferred versions', async () => {
    const r = await call(base, 'GET', '/apis');
    expect(r.body.kind).toBe('APIGroupList');
    const dh = r.body.groups.find((g: { name: string }) => g.name === 'deckhouse.io');
    expect(dh.versions.map((v: { version: string }) => v.version)).toEqual(['v1alpha2', 'v1alpha1']);
    // Like the real apiextensions discovery: the highest version by priority is preferred.
    expect(dh.preferredVersion.version).toBe('v1alpha2');
    expect(r.body.groups.map((g: { name: string }) => g.name)).toContain('coordination.k8s.io');
  });

  it('serves APIResourceLists with short names, verbs and status subresources; MUP only in v1alpha2', async () => {
    const v1 = await call(base, 'GET', '/apis/deckhouse.io/v1alpha1');
    const names = v1.body.resources.map((r: { name: string }) => r.name);
    expect(names).toEqual(
      expect.arrayContaining(['modulesources', 'modulesources/status', 'moduleconfigs', 'modulereleases', 'modules']),
    );
    expect(names).not.toContain('moduleupdatepolicies');
    const ms = v1.body.resources.find((r: { name: string }) => r.name === 'modulesources');
    expect(ms).toMatchObject({
      singularName: 'modulesource',
      namespaced: false,
      kind: 'ModuleSource',
      shortNames: ['ms'],
    });
    expect(ms.verbs).toEqual(expect.arrayContaining(['get', 'list', 'watch', 'create', 'update', 'patch', 'delete']));
    const v2 = await call(base, 'GET', '/apis/deckhouse.io/v1alpha2');
    expect(v2.body.resources.map((r: { name: string }) => r.name)).toContain('moduleupdatepolicies');
    const leases = await call(base, 'GET', '/apis/coordination.k8s.io/v1');
    expect(leases.body.resources[0]).toMatchObject({ name: 'leases', namespaced: true, kind: 'Lease' });
    expect((await call(base, 'GET', '/apis/deckhouse.io/v1alpha2/modulesources')).status).toBe(404);
  });

  it('serves /version and /api', async () => {
    expect((await call(base, 'GET', '/version')).body.gitVersion).toMatch(/^v1\.\d+/);
    expect((await call(base, 'GET', '/api')).body.versions).toEqual(['v1']);
  });
});
