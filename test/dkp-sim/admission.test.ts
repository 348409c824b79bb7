import { describe, expect, it } from 'vitest';
import { admit, CONTROLLER_USER } from './admission.ts';
import { createMemoryApi, type MemoryApi } from './controller-memory-api.ts';
import type { AdmissionRequest, Obj, ResourceDef } from './types.ts';

const USER = 'kubernetes-admin';

function def(kind: string, plural: string): ResourceDef {
  return {
    group: 'deckhouse.io',
    kind,
    listKind: `${kind}List`,
    plural,
    singular: kind.toLowerCase(),
    shortNames: [],
    namespaced: false,
    versions: [],
  };
}
const MC = def('ModuleConfig', 'moduleconfigs');
const MUP = def('ModuleUpdatePolicy', 'moduleupdatepolicies');
const MS = def('ModuleSource', 'modulesources');
const MR = def('ModuleRelease', 'modulereleases');
const MODULE = def('Module', 'modules');

function obj(kind: string, name: string, extra: Partial<Obj> = {}): Obj {
  const version = kind === 'ModuleUpdatePolicy' ? 'v1alpha2' : 'v1alpha1';
  return { apiVersion: `deckhouse.io/${version}`, kind, ...extra, metadata: { name, ...(extra.metadata ?? {}) } };
}

function req(
  resource: ResourceDef,
  operation: AdmissionRequest['operation'],
  object?: Obj,
  oldObject?: Obj,
  user = USER,
): AdmissionRequest {
  const name = (object ?? oldObject)!.metadata.name;
  return {
    operation,
    resource,
    name,
    user,
    dryRun: false,
    ...(object ? { object } : {}),
    ...(oldObject ? { oldObject } : {}),
  };
}

/** A cluster where module-one is offered by `example` only and module-two by two sources, and module-two asks for disable confirmation. */
function cluster(): MemoryApi {
  const api = createMemoryApi();
  api.create('modules', obj('Module', 'module-one', { properties: { availableSources: ['example'] } }));
  api.create(
    'modules',
    obj('Module', 'module-two', {
      properties: {
        availableSources: ['example', 'mirror'],
        disableOptions: { confirmation: true, message: 'Disabling the module deletes the data it stores' },
      },
    }),
  );
  api.create('moduleupdatepolicies', obj('ModuleUpdatePolicy', 'manual', { spec: { update: { mode: 'Manual' } } }));
  return api;
}

const mc = (name: string, spec: Record<string, unknown>, annotations?: Record<string, string>): Obj =>
  obj('ModuleConfig', name, { spec: spec as Obj['spec'], metadata: { name, ...(annotations ? { annotations } : {}) } });

const webhook = (name: string, message: string): string => `admission webhook "${name}" denied the request: ${message}`;
const MCW = 'module-configs.deckhouse-webhook.deckhouse.io';

describe('ModuleConfig webhook', () => {
  it('rejects creating an enabled config before its Module exists, and only warns otherwise', () => {
    const api = cluster();
    const created = admit(req(MC, 'CREATE', mc('hello', { enabled: true })), api);
    expect(created).toEqual({
      allowed: false,
      code: 400,
      reason: '',
      message: webhook(MCW, "the 'hello' module not found"),
      warnings: [],
    });

    const disabled = admit(req(MC, 'CREATE', mc('hello', { enabled: false })), api);
    expect(disabled).toEqual({ allowed: true, warnings: ["the 'hello' module not found"] });
    const updated = admit(req(MC, 'UPDATE', mc('hello', { enabled: true }), mc('hello', { enabled: false })), api);
    expect(updated).toEqual({ allowed: true, warnings: ["the 'hello' module not found"] });
  });

  it('rejects an updatePolicy that names a missing ModuleUpdatePolicy', () => {
    const api = cluster();
    const missing = admit(req(MC, 'CREATE', mc('module-one', { enabled: true, updatePolicy: 'nightly' })), api);
    expect(missing.message).toBe(webhook(MCW, "the 'nightly' module policy does not exist"));
    expect(admit(req(MC, 'CREATE', mc('module-one', { enabled: true, updatePolicy: 'manual' })), api).allowed).toBe(
      true,
    );
  });

  it('rejects a source the module is not offered by, and the Embedded source', () => {
    const api = cluster();
    const wrong = admit(req(MC, 'CREATE', mc('module-two', { enabled: true, source: 'other' })), api);
    expect(wrong.message).toBe(
      webhook(
        MCW,
        "the 'other' module source is an unavailable source for the 'module-two' module, available sources: [example mirror]",
      ),
    );
    const embedded = admit(req(MC, 'CREATE', mc('module-one', { enabled: true, source: 'Embedded' })), api);
    expect(embedded.message).toBe(webhook(MCW, "'Embedded' is a forbidden source"));
    expect(admit(req(MC, 'CREATE', mc('module-two', { enabled: true, source: 'mirror' })), api)).toEqual({
      allowed: true,
      warnings: [],
    });
  });

  it('warns when an enabled module has several sources and none is chosen', () => {
    const result = admit(req(MC, 'CREATE', mc('module-two', { enabled: true })), cluster());
    expect(result.allowed).toBe(true);
    expect(result.warnings).toEqual([
      "module 'module-two' is enabled but didn’t run because multiple sources were found (example, mirror), please specify a source in ModuleConfig resource ",
    ]);
  });

  it('asks for the allow-disabling annotation before disabling or deleting a module that needs confirmation', () => {
    const api = cluster();
    const on = mc('module-two', { enabled: true, source: 'example' });
    const off = mc('module-two', { enabled: false, source: 'example' });
    const expected = webhook(
      MCW,
      "Disabling the module deletes the data it stores.Please annotate ModuleConfig with `modules.deckhouse.io/allow-disabling=true` if you're sure that you want to disable the module.",
    );
    expect(admit(req(MC, 'UPDATE', off, on), api).message).toBe(expected);
    expect(admit(req(MC, 'DELETE', undefined, on), api).message).toBe(expected);

    const annotated = mc(
      'module-two',
      { enabled: false, source: 'example' },
      { 'modules.deckhouse.io/allow-disabling': 'true' },
    );
    expect(admit(req(MC, 'UPDATE', annotated, on), api).allowed).toBe(true);
    expect(
      admit(req(MC, 'UPDATE', mc('module-one', { enabled: false }), mc('module-one', { enabled: true })), api).allowed,
    ).toBe(true);
  });

  it('rejects deleting a config while a ModulePullOverride exists for the module', () => {
    const api = cluster();
    api.create('modulepulloverrides', obj('ModulePullOverride', 'module-one', { spec: { imageTag: 'pr-1' } }));
    const result = admit(req(MC, 'DELETE', undefined, mc('module-one', { enabled: false })), api);
    expect(result.message).toBe(webhook(MCW, 'delete the ModulePullOverride before deleting the module config'));
  });

  it('rejects enabling an experimental module unless the deckhouse config allows it', () => {
    const api = cluster();
    api.create(
      'modules',
      obj('Module', 'lab', { properties: { availableSources: ['example'], stage: 'Experimental' } }),
    );
    const denied = admit(req(MC, 'CREATE', mc('lab', { enabled: true })), api);
    expect(denied.message).toBe(
      webhook(
        MCW,
        "the 'lab' module is experimental, set param in 'deckhouse' ModuleConfig - spec.settings.allowExperimentalModules: true to allow it",
      ),
    );
    api.create('moduleconfigs', mc('deckhouse', { settings: { allowExperimentalModules: true } }));
    expect(admit(req(MC, 'CREATE', mc('lab', { enabled: true })), api).allowed).toBe(true);
  });
});

describe('ModuleUpdatePolicy rules', () => {
  it('rejects deleting a policy a ModuleConfig still uses', () => {
    const api = cluster();
    api.create('moduleconfigs', mc('module-one', { enabled: true, updatePolicy: 'manual' }));
    const policy = obj('ModuleUpdatePolicy', 'manual');
    expect(admit(req(MUP, 'DELETE', undefined, policy), api)).toMatchObject({
      allowed: false,
      code: 400,
      message: webhook(
        'update-policies.deckhouse-webhook.deckhouse.io',
        "the 'manual' update policy is used by the 'module-one' module config",
      ),
    });
    expect(admit(req(MUP, 'DELETE', undefined, obj('ModuleUpdatePolicy', 'unused')), api).allowed).toBe(true);
  });

  it('rejects update windows whose start is not before their end (MUP and the deckhouse ModuleConfig)', () => {
    const api = cluster();
    const bad = obj('ModuleUpdatePolicy', 'night', {
      spec: { update: { mode: 'Auto', windows: [{ from: '4:30', to: '01:00' }] } },
    });
    const text =
      'Invalid update windows. Start time (windows.from) should be less than the end time of the update window (windows.to)';
    expect(admit(req(MUP, 'CREATE', bad), api)).toEqual({
      allowed: false,
      code: 403,
      reason: 'Forbidden',
      warnings: [],
      message: `moduleupdatepolicies.deckhouse.io "night" is forbidden: ValidatingAdmissionPolicy 'mup-update-windows.deckhouse.io' with binding 'mup-update-windows.deckhouse.io' denied request: ${text}`,
    });
    const good = obj('ModuleUpdatePolicy', 'night', { spec: { update: { windows: [{ from: '1:00', to: '04:30' }] } } });
    expect(admit(req(MUP, 'CREATE', good), api).allowed).toBe(true);

    const dh = mc('deckhouse', { settings: { update: { windows: [{ from: '13:00', to: '13:00' }] } } });
    expect(admit(req(MC, 'UPDATE', dh, mc('deckhouse', {})), api).message).toBe(
      `moduleconfigs.deckhouse.io "deckhouse" is forbidden: ValidatingAdmissionPolicy 'mc-update-windows.deckhouse.io' with binding 'mc-update-windows.deckhouse.io' denied request: ${text}`,
    );
  });
});

describe('heritage policies', () => {
  const builtin = (spec: Record<string, unknown>): Obj =>
    obj('ModuleSource', 'deckhouse', {
      metadata: { name: 'deckhouse', labels: { heritage: 'deckhouse' } },
      spec: spec as Obj['spec'],
    });
  const registry = { repo: 'registry.deckhouse.io/deckhouse/ce/modules', scheme: 'HTTPS' };
  const heritageDenial =
    'modulesources.deckhouse.io "deckhouse" is forbidden: ValidatingAdmissionPolicy \'label-objects.deckhouse.io\' with binding ' +
    "'heritage-label-objects.deckhouse.io' denied request: Creating, updating and deleting an objects with the `heritage: deckhouse` label is forbidden";

  it('keeps users off objects labelled heritage: deckhouse, except a scanInterval-only update of a source', () => {
    const api = cluster();
    const old = builtin({ registry });
    const changed = builtin({ registry: { ...registry, repo: 'registry.example.com/x' } });
    expect(admit(req(MS, 'UPDATE', changed, old), api)).toMatchObject({
      allowed: false,
      code: 403,
      reason: 'Forbidden',
      message: heritageDenial,
    });
    expect(admit(req(MS, 'DELETE', undefined, old), api).message).toBe(heritageDenial);
    expect(admit(req(MS, 'UPDATE', builtin({ registry, scanInterval: '10m' }), old), api).allowed).toBe(true);
    expect(
      admit(req(MS, 'UPDATE', builtin({ registry: { ...registry, scheme: 'HTTP' }, scanInterval: '10m' }), old), api)
        .message,
    ).toBe(heritageDenial);
    expect(admit(req(MS, 'UPDATE', changed, old, CONTROLLER_USER), api).allowed).toBe(true);
  });

  it('forbids users to put the heritage label on their own objects', () => {
    const mine = obj('ModuleSource', 'mine', {
      metadata: { name: 'mine', labels: { heritage: 'deckhouse' } },
      spec: { registry },
    });
    expect(admit(req(MS, 'CREATE', mine), cluster()).message).toBe(
      'modulesources.deckhouse.io "mine" is forbidden: ValidatingAdmissionPolicy \'deny-set-heritage-label.deckhouse.io\' with binding ' +
        "'deny-set-heritage-label.deckhouse.io' denied request: Setting the `heritage` label is forbidden for non-system users",
    );
  });

  it('lets users annotate releases but not change their update-policy label', () => {
    const api = cluster();
    const release = (labels: Record<string, string>, annotations: Record<string, string> = {}): Obj =>
      obj('ModuleRelease', 'module-one-v0.7.24', { metadata: { name: 'module-one-v0.7.24', labels, annotations } });
    const old = release({ module: 'module-one', 'modules.deckhouse.io/update-policy': 'manual' });
    const approved = release(
      { module: 'module-one', 'modules.deckhouse.io/update-policy': 'manual' },
      { 'modules.deckhouse.io/approved': 'true' },
    );
    expect(admit(req(MR, 'UPDATE', approved, old), api).allowed).toBe(true);
    expect(admit(req(MR, 'UPDATE', release({ module: 'module-one' }), old), api).allowed).toBe(true);
    expect(
      admit(
        req(MR, 'UPDATE', release({ module: 'module-one', 'modules.deckhouse.io/update-policy': 'auto' }), old),
        api,
      ).message,
    ).toBe(
      'modulereleases.deckhouse.io "module-one-v0.7.24" is forbidden: ValidatingAdmissionPolicy \'update-policy-label-objects.deckhouse.io\' with binding ' +
        "'update-policy-label-objects.deckhouse.io' denied request: Manual update-policy change is forbidden. Please, remove the update-policy label to automatically find a new suitable policy",
    );
  });
});

describe('Module webhook', () => {
  it('lets only the Deckhouse controller write Modules', () => {
    const module = obj('Module', 'module-one', { properties: { weight: 1 } });
    for (const op of ['CREATE', 'UPDATE', 'DELETE'] as const) {
      const r =
        op === 'DELETE'
          ? req(MODULE, op, undefined, module)
          : req(MODULE, op, module, op === 'UPDATE' ? module : undefined);
      expect(admit(r, cluster()).message).toBe(
        webhook('modules.deckhouse-webhook.deckhouse.io', 'manual Module change is forbidden'),
      );
      expect(admit({ ...r, user: CONTROLLER_USER }, cluster()).allowed).toBe(true);
    }
  });
});
