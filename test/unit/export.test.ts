// `modsync export` as pure functions, on objects as dkp-sim returns them after kubectl made
// them (takeover-fixtures.ts): what survives cleaning, where files go, and that credentials
// never reach a file.
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/core/object.ts';
import { cleanForExport, type RawSchema } from '../../src/export/clean.ts';
import { planExport, renderYaml } from '../../src/export/files.ts';
import { loadCrdSchemas } from '../../src/manifests/crd-schema.ts';
import { parseKubectlYaml } from '../../src/manifests/yaml.ts';
import { mcGlobal, mcPatched, msApplied, msCreated, mupEdited, mupServerSide } from './takeover-fixtures.ts';

const PROTECTED = ['ModuleConfig/deckhouse', 'ModuleConfig/global'];
const opts = { protectedList: PROTECTED, includeProtected: false };

describe('cleanForExport', () => {
  it('keeps what kubectl apply set; drops server metadata, controller annotation and finalizers, last-applied', () => {
    expect(cleanForExport(msApplied)).toEqual({
      object: {
        apiVersion: 'deckhouse.io/v1alpha1',
        kind: 'ModuleSource',
        metadata: { name: 'example' },
        spec: { registry: { repo: 'registry.example.com/deckhouse/modules', scheme: 'HTTPS' } },
      },
      managers: ['kubectl-client-side-apply'],
    });
  });

  it('keeps the fields of every person: apply, then a patch of another field', () => {
    const { object, managers } = cleanForExport(mcPatched);
    const settings = { nested: { a: 1 }, replicas: 3 };
    const rest = { source: 'example', updatePolicy: 'stable-auto', version: 1 };
    expect(object.spec).toEqual({ enabled: true, settings, ...rest });
    expect(managers).toEqual(['kubectl-client-side-apply', 'kubectl-patch']);
    expect(object.metadata).toEqual({ name: 'module-one' });
  });

  it('keeps labels people set and never the modsync ownership label', () => {
    const live = structuredClone(msCreated);
    live.metadata.labels = { ...live.metadata.labels, 'modsync.io/instance': 'modsync' };
    const fields = live.metadata.managedFields!;
    const created = fields.find((e) => e.manager === 'kubectl-create')!;
    (created.fieldsV1 as any)['f:metadata']['f:labels']['f:modsync.io/instance'] = {};
    expect(cleanForExport(live).object.metadata.labels).toEqual({ team: 'a' });
  });

  it('drops what only a Deckhouse controller set (its default ModuleConfig settings)', () => {
    const bare = { apiVersion: 'deckhouse.io/v1alpha1', kind: 'ModuleConfig', metadata: { name: 'global' } };
    expect(cleanForExport(mcGlobal).object).toEqual(bare);
  });

  it('keeps an atomic list whole (server-side apply of a policy with windows)', () => {
    expect(cleanForExport(mupServerSide).object.spec).toEqual({
      releaseChannel: 'Stable',
      update: { mode: 'Manual', windows: [{ days: ['Mon'], from: '8:00', to: '10:00' }] },
    });
  });

  it('keeps the items of a map list that people own, in the live order', () => {
    const item = (name: string) => ({ [`k:{"name":"${name}"}`]: { '.': {}, 'f:name': {}, 'f:v': {} } });
    const both = { ...item('c'), ...item('a') };
    const live = {
      apiVersion: 'example.io/v1',
      kind: 'Thing',
      metadata: {
        name: 't',
        managedFields: [
          { manager: 'deckhouse-controller', operation: 'Update', fieldsV1: { 'f:spec': { 'f:items': item('b') } } },
          { manager: 'kubectl-edit', operation: 'Update', fieldsV1: { 'f:spec': { 'f:items': both } } },
        ],
      },
      spec: {
        items: [
          { name: 'a', v: 1 },
          { name: 'b', v: 2 },
          { name: 'c', v: 3 },
        ],
      },
    } as unknown as KubeObject;
    expect(cleanForExport(live).object.spec).toEqual({
      items: [
        { name: 'a', v: 1 },
        { name: 'c', v: 3 },
      ],
    });
  });

  it('without managedFields, drops values equal to the CRD default', async () => {
    const schemas = await loadCrdSchemas();
    const found = schemas.find((s) => s.kind === 'ModuleSource' && s.apiVersion === 'deckhouse.io/v1alpha1');
    const schema = found!.schema as RawSchema;
    const live = structuredClone(msCreated);
    delete live.metadata.managedFields;
    const { object } = cleanForExport(live, schema);
    // scheme: HTTPS is the CRD default; the controller's checksum annotation goes too.
    const dockerCfg = (msCreated.spec as any).registry.dockerCfg;
    expect(object.spec).toEqual({ registry: { repo: 'registry.example.com/other', dockerCfg } });
    expect(object.metadata).toEqual({ name: 'second', labels: { team: 'a' } });
  });
});

describe('planExport', () => {
  const heritage: KubeObject = {
    apiVersion: 'deckhouse.io/v1alpha1',
    kind: 'ModuleSource',
    metadata: { name: 'deckhouse', labels: { heritage: 'deckhouse' } },
    spec: { registry: { repo: 'registry.deckhouse.io/deckhouse/ce/modules' } },
  };
  const live = [heritage, msApplied, msCreated, mupEdited, mupServerSide, mcPatched, mcGlobal];

  it("writes one file per object in the repository layout, leaving Deckhouse's own and protected objects out", () => {
    const plan = planExport(live, opts);
    expect(plan.files.map((f) => f.path)).toEqual([
      'sources/example.yaml',
      'sources/second.yaml',
      'policies/stable-auto.yaml',
      'policies/manual.yaml',
      'modules/module-one.yaml',
    ]);
    expect(plan.skipped.map((s) => s.subject)).toEqual(['ModuleSource/deckhouse', 'ModuleConfig/global']);
    const all = planExport(live, { ...opts, includeProtected: true });
    expect(all.files.map((f) => f.path)).toContain('modules/global.yaml');
  });

  it('writes a credential as a placeholder, never in plain text, and names the secret', () => {
    const plan = planExport(live, opts);
    const second = plan.files.find((f) => f.subject === 'ModuleSource/second')!;
    expect(second.secret).toBe('second');
    expect(second.content).toContain('dockerCfg: ${secret:second}');
    const cfg = (msCreated.spec as any).registry.dockerCfg as string;
    for (const f of plan.files) expect(f.content).not.toContain(cfg);
  });

  it('renders a short header and YAML that reads back as the object', () => {
    const file = planExport([mupServerSide], opts).files[0]!;
    expect(file.content.split('\n').slice(0, 2)).toEqual([
      "# ModuleUpdatePolicy/manual, exported from the cluster by 'modsync export'.",
      '# Its fields were set by: kubectl.',
    ]);
    // Times are quoted, so no YAML 1.1 reader takes 8:00 for a number.
    expect(file.content).toContain('from: "8:00"');
    expect(parseKubectlYaml(file.content)).toEqual(cleanForExport(mupServerSide).object);
  });

  it('renders values YAML would read differently as quoted strings', () => {
    const spec = { a: 'on', b: '010', c: 'null', d: '1e3' };
    const obj = { apiVersion: 'v', kind: 'K', metadata: { name: 'n' }, spec } as KubeObject;
    expect(parseKubectlYaml(renderYaml(obj))).toEqual(obj);
  });
});
