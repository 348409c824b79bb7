/**
 * Server-side apply over raw HTTP: fieldManager required, create on a missing object,
 * no-op re-apply without a resourceVersion bump, FieldManagerConflict 409 and force,
 * removal of fields a manager stopped applying, strict field validation, status apply.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { start, type SimInstance } from './index.ts';
import { call, moduleSource, msPath } from './test-helpers.ts';

let sim: SimInstance;
let base: string;
const APPLY = 'application/apply-patch+yaml';

beforeAll(async () => {
  sim = await start({ controller: false });
  base = sim.url;
});
afterAll(async () => {
  await sim.stop();
});

describe('server-side apply', () => {
  it('requires a fieldManager', async () => {
    const r = await call(base, 'PATCH', msPath('ssa-a'), moduleSource('ssa-a'), APPLY);
    expect(r.status).toBe(422);
    expect(r.body.message).toBe(
      'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
    );
  });

  it('creates, re-applies as a no-op, and updates with a YAML body', async () => {
    const created = await call(
      base,
      'PATCH',
      `${msPath('ssa-a')}?fieldManager=modsync`,
      stringify(moduleSource('ssa-a')),
      APPLY,
    );
    expect(created.status).toBe(201);
    expect(created.body.metadata.managedFields).toEqual([
      expect.objectContaining({ manager: 'modsync', operation: 'Apply', apiVersion: 'deckhouse.io/v1alpha1' }),
    ]);
    const again = await call(base, 'PATCH', `${msPath('ssa-a')}?fieldManager=modsync`, moduleSource('ssa-a'), APPLY);
    expect(again.status).toBe(200);
    expect(again.body.metadata.resourceVersion).toBe(created.body.metadata.resourceVersion);
    const changed = moduleSource('ssa-a', {
      spec: { registry: { repo: 'registry.example.com/new', dockerCfg: 'e30=' } },
    });
    const updated = await call(base, 'PATCH', `${msPath('ssa-a')}?fieldManager=modsync`, changed, APPLY);
    expect(updated.body.spec.registry.repo).toBe('registry.example.com/new');
    expect(updated.body.metadata.generation).toBe(2);
  });

  it('reports conflicts with another manager as 409 FieldManagerConflict; force takes the field over', async () => {
    await call(base, 'PATCH', `${msPath('ssa-b')}?fieldManager=kubectl`, moduleSource('ssa-b'), APPLY);
    const theirs = moduleSource('ssa-b', {
      spec: { registry: { repo: 'registry.example.com/theirs', dockerCfg: 'e30=' } },
    });
    const c = await call(base, 'PATCH', `${msPath('ssa-b')}?fieldManager=modsync`, theirs, APPLY);
    expect(c.status).toBe(409);
    expect(c.body.reason).toBe('Conflict');
    expect(c.body.message).toBe('Apply failed with 1 conflict: conflict with "kubectl": .spec.registry.repo');
    expect(c.body.details.causes).toEqual([
      { reason: 'FieldManagerConflict', message: 'conflict with "kubectl"', field: '.spec.registry.repo' },
    ]);
    const dry = await call(
      base,
      'PATCH',
      `${msPath('ssa-b')}?fieldManager=modsync&force=true&dryRun=All`,
      theirs,
      APPLY,
    );
    expect(dry.body.spec.registry.repo).toBe('registry.example.com/theirs');
    expect((await call(base, 'GET', msPath('ssa-b'))).body.spec.registry.repo).toBe('registry.example.com/ssa-b');
    const forced = await call(base, 'PATCH', `${msPath('ssa-b')}?fieldManager=modsync&force=true`, theirs, APPLY);
    expect(forced.status).toBe(200);
    expect(forced.body.spec.registry.repo).toBe('registry.example.com/theirs');
  });

  it('names Update managers with their apiVersion but no time, and groups several conflicts', async () => {
    await call(base, 'POST', `${msPath()}?fieldManager=kubectl-edit`, moduleSource('ssa-g'));
    const mine = moduleSource('ssa-g', {
      spec: { registry: { repo: 'registry.example.com/mine', dockerCfg: 'e30=' } },
    });
    const one = await call(base, 'PATCH', `${msPath('ssa-g')}?fieldManager=modsync`, mine, APPLY);
    expect(one.body.message).toBe(
      'Apply failed with 1 conflict: conflict with "kubectl-edit" using deckhouse.io/v1alpha1: .spec.registry.repo',
    );
    expect(one.body.details.causes).toEqual([
      {
        reason: 'FieldManagerConflict',
        message: 'conflict with "kubectl-edit" using deckhouse.io/v1alpha1',
        field: '.spec.registry.repo',
      },
    ]);
    (mine.spec as { registry: Record<string, string> }).registry.dockerCfg = 'eyJ9';
    const two = await call(base, 'PATCH', `${msPath('ssa-g')}?fieldManager=modsync`, mine, APPLY);
    expect(two.body.message).toBe(
      'Apply failed with 2 conflicts: conflicts with "kubectl-edit" using deckhouse.io/v1alpha1:\n- .spec.registry.dockerCfg\n- .spec.registry.repo',
    );
    expect(two.body.details.causes).toHaveLength(2);
  });

  it('lists several managers in the byte order of their identifiers, like the apiserver', async () => {
    await call(base, 'POST', `${msPath()}?fieldManager=kubectl-edit`, moduleSource('ssa-h'));
    const zeta = moduleSource('ssa-h', {
      spec: { registry: { repo: 'registry.example.com/zeta', dockerCfg: 'e30=' } },
    });
    expect((await call(base, 'PATCH', `${msPath('ssa-h')}?fieldManager=Zeta&force=true`, zeta, APPLY)).status).toBe(
      200,
    );
    const mine = moduleSource('ssa-h', {
      spec: { registry: { repo: 'registry.example.com/mine', dockerCfg: 'eyJ9' } },
    });
    const r = await call(base, 'PATCH', `${msPath('ssa-h')}?fieldManager=modsync`, mine, APPLY);
    expect(r.status).toBe(409);
    // {"manager":"Zeta",...} sorts before {"manager":"kubectl-edit",...}: 'Z' < 'k' in bytes.
    expect(r.body.message).toBe(
      'Apply failed with 3 conflicts: conflicts with "Zeta":\n- .spec.registry.dockerCfg\n- .spec.registry.repo\n' +
        'conflicts with "kubectl-edit" using deckhouse.io/v1alpha1:\n- .spec.registry.dockerCfg',
    );
  });

  it('removes fields the manager stopped applying', async () => {
    const withLabel = moduleSource('ssa-c');
    withLabel.metadata.labels = { keep: 'x', drop: 'y' };
    await call(base, 'PATCH', `${msPath('ssa-c')}?fieldManager=modsync`, withLabel, APPLY);
    withLabel.metadata.labels = { keep: 'x' };
    const r = await call(base, 'PATCH', `${msPath('ssa-c')}?fieldManager=modsync`, withLabel, APPLY);
    expect(r.body.metadata.labels).toEqual({ keep: 'x' });
  });

  it('fails unknown fields with the typed-patch 500 (no reason), whatever fieldValidation says', async () => {
    const body = moduleSource('ssa-d');
    (body.spec as Record<string, unknown>).foo = 1;
    const path = `${msPath('ssa-d')}?fieldManager=modsync&fieldValidation=Ignore`;
    const ignored = await call(base, 'PATCH', path, body, APPLY);
    expect(ignored.status).toBe(500);
    const r = await call(base, 'PATCH', `${msPath('ssa-d')}?fieldManager=modsync&fieldValidation=Strict`, body, APPLY);
    expect(r.status).toBe(500);
    expect(r.body.reason).toBeUndefined();
    expect(r.body.message).toBe(
      'failed to create typed patch object (/ssa-d; deckhouse.io/v1alpha1, Kind=ModuleSource): .spec.foo: field not declared in schema',
    );
  });

  it('refuses managedFields in an applied configuration', async () => {
    const body = { ...moduleSource('ssa-f'), metadata: { name: 'ssa-f', managedFields: [] } };
    const r = await call(base, 'PATCH', `${msPath('ssa-f')}?fieldManager=modsync`, body, APPLY);
    expect(r.status).toBe(400);
    expect(r.body.message).toBe('metadata.managedFields must be nil');
  });

  it('applies the status subresource without touching spec', async () => {
    await call(base, 'PATCH', `${msPath('ssa-e')}?fieldManager=modsync`, moduleSource('ssa-e'), APPLY);
    const r = await call(
      base,
      'PATCH',
      `${msPath('ssa-e', 'status')}?fieldManager=ctl`,
      {
        apiVersion: 'deckhouse.io/v1alpha1',
        kind: 'ModuleSource',
        metadata: { name: 'ssa-e' },
        status: { message: 'ok' },
      },
      APPLY,
    );
    expect(r.status).toBe(200);
    expect(r.body.status.message).toBe('ok');
    expect(r.body.spec.registry.repo).toBe('registry.example.com/ssa-e');
    expect(r.body.metadata.managedFields.find((e: { manager: string }) => e.manager === 'ctl')).toMatchObject({
      operation: 'Apply',
      subresource: 'status',
    });
  });
});
