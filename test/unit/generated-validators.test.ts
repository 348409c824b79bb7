// The validators compiled at build time (scripts/gen-validators.ts) must be those of the schemas
// in the repository, say exactly what the run-time compiled ones say, and spare a start from
// loading ajv's compiler.
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  configValidatorSource,
  crdSchemasSource,
  crdStandaloneSource,
  crdValidatorsSource,
  GENERATED,
} from '../../scripts/gen-validators.ts';
import { APPROVAL_API_VERSION, APPROVAL_KIND, APPROVAL_SCHEMA } from '../../src/kinds/approval.ts';
import { crdDir } from '../../src/core/paths.ts';
import { createCrdValidator, crdFileSchemas, loadCrdSchemas } from '../../src/manifests/crd-schema.ts';
import { PRECOMPILED_CRD_VALIDATORS } from '../../src/manifests/generated-crd-validators.ts';
import { createManifestValidator } from '../../src/manifests/validate-doc.ts';

const ROOT = path.join(import.meta.dirname, '..', '..');
const run = promisify(execFile);

describe('generated validators', () => {
  // Else: node scripts/gen-validators.ts
  it('are up to date with the CRDs, the approval schema and the config schema', async () => {
    expect(await readFile(path.join(ROOT, GENERATED.crd), 'utf8')).toBe(await crdValidatorsSource());
    expect(await readFile(path.join(ROOT, GENERATED.crdSchemas), 'utf8')).toBe(await crdSchemasSource());
    expect(await readFile(path.join(ROOT, GENERATED.config), 'utf8')).toBe(configValidatorSource());
  });

  it('give the bundled CRD files the schemas their YAML holds, and parse any other file', async () => {
    const names = (await readdir(crdDir())).filter((n) => n.endsWith('.yaml')).sort();
    const texts = await Promise.all(names.map((n) => readFile(path.join(crdDir(), n), 'utf8')));
    const parsed = texts.flatMap((t) => crdFileSchemas(t));
    expect(parsed.length).toBeGreaterThan(5);
    expect(await loadCrdSchemas()).toEqual(parsed);
    // A changed copy (another Deckhouse version, an edit) is read from its YAML.
    const dir = await mkdtemp(path.join(os.tmpdir(), 'modsync-crds-'));
    try {
      const text = await readFile(path.join(crdDir(), 'moduleconfig.yaml'), 'utf8');
      await writeFile(path.join(dir, 'moduleconfig.yaml'), text.replace('description:', 'description: Changed.'));
      const [changed] = await loadCrdSchemas(dir);
      expect(changed!.schema.description).toMatch(/^Changed\./);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('report the same problems as validators compiled at run time', async () => {
    const generated = await createManifestValidator();
    // A copy with one more description hashes differently, so it is compiled by ajv at run time.
    const schemas = await loadCrdSchemas();
    const mc = schemas.find((s) => s.apiVersion === 'deckhouse.io/v1alpha1' && s.kind === 'ModuleConfig')!;
    const compiled = createCrdValidator([{ ...mc, schema: { ...mc.schema, description: 'compiled at run time' } }]);
    const bad = [
      { spec: { enabled: 'yes', version: -1, setings: {} } },
      { spec: { source: 7, updatePolicy: ['x'], maintenance: 'Sometimes' } },
      { spec: 'not an object' },
    ];
    for (const extra of bad) {
      const obj = { apiVersion: 'deckhouse.io/v1alpha1', kind: 'ModuleConfig', metadata: { name: 'x' }, ...extra };
      const want = compiled.validate(mc.apiVersion, mc.kind, obj);
      expect(want.length).toBeGreaterThan(0);
      expect(generated.validate(mc.apiVersion, mc.kind, obj)).toEqual(want);
    }
    // Every generated kind, on the mistakes any of them can get.
    const approval = { apiVersion: APPROVAL_API_VERSION, kind: APPROVAL_KIND, schema: APPROVAL_SCHEMA };
    for (const s of [...schemas, approval].filter((x) => PRECOMPILED_CRD_VALIDATORS[`${x.apiVersion} ${x.kind}`])) {
      const runtime = createCrdValidator([{ ...s, schema: { ...s.schema, description: 'compiled at run time' } }]);
      for (const extra of [{ spec: 'x' }, { spec: { unknownField: 1 } }, { spec: {}, extraTopLevel: true }]) {
        const obj = { apiVersion: s.apiVersion, kind: s.kind, metadata: { name: 'x' }, ...extra };
        expect(generated.validate(s.apiVersion, s.kind, obj), `${s.kind} ${JSON.stringify(extra)}`).toEqual(
          runtime.validate(s.apiVersion, s.kind, obj),
        );
      }
    }
  });

  it('carry the Kubernetes keyword and formats (int-or-string, int32, byte, quantity, date-time, other)', async () => {
    const props = {
      port: { 'x-kubernetes-int-or-string': true },
      replicas: { type: 'integer', format: 'int32' },
      cert: { type: 'string', format: 'byte' },
      memory: { type: 'string', format: 'quantity' },
      at: { type: 'string', format: 'date-time' },
      vendor: { type: 'string', format: 'something-k8s-does-not-know' },
    };
    const schema = { type: 'object', properties: { spec: { type: 'object', properties: props } } };
    const thing = { apiVersion: 'example.io/v1', kind: 'Thing', schema };
    const samples = [
      { port: 1.5, replicas: 2 ** 31, cert: 'not base64!', memory: '1.5Gb', at: 'yesterday', vendor: 'anything' },
      { port: 'http', replicas: 3, cert: 'aGk=', memory: '1.5Gi', at: '2026-01-02T03:04:05Z', vendor: '' },
    ];
    // The generated module runs in a child process (it is an ES module importing ajv's helpers).
    const script = [
      crdStandaloneSource([thing], './src/manifests'),
      "const { createCrdValidator } = await import('./src/manifests/crd-schema.ts');",
      `const thing = ${JSON.stringify(thing)};`,
      "const { translateAjvErrors } = await import('./src/manifests/schema-errors.ts');",
      'const run = createCrdValidator([{ ...thing, schema: { ...thing.schema, description: "x" } }]);',
      'const gen = PRECOMPILED_CRD_VALIDATORS["example.io/v1 Thing"].validate;',
      `const out = ${JSON.stringify(samples)}.map((spec) => {`,
      "  const obj = { apiVersion: 'example.io/v1', kind: 'Thing', metadata: { name: 'x' }, spec };",
      '  const generated = gen(obj) ? [] : translateAjvErrors(gen.errors);',
      "  return { run: run.validate('example.io/v1', 'Thing', obj), gen: generated };",
      '});',
      'console.log(JSON.stringify(out));',
    ].join('\n');
    const node = path.join(ROOT, 'node_modules', '.bin', 'node');
    const { stdout } = await run(node, ['--input-type=module-typescript', '-e', script], { cwd: ROOT });
    const [bad, good] = JSON.parse(stdout) as { run: { message: string }[]; gen: { message: string }[] }[];
    expect(bad!.gen.map((p) => p.message)).toEqual(bad!.run.map((p) => p.message));
    const said = bad!.gen.map((p) => p.message).join('\n');
    expect(said).toMatch(/integer or a string[\s\S]*int32[\s\S]*byte[\s\S]*quantity[\s\S]*date-time/);
    expect(good).toEqual({ run: [], gen: [] });
  });

  it('let a start validate manifests and the config without loading ajv (compiler or formats)', async () => {
    const script = [
      "import { createRequire } from 'node:module';",
      "const { createManifestValidator } = await import('./src/manifests/validate-doc.ts');",
      "const { loadConfig } = await import('./src/config/load.ts');",
      'const v = await createManifestValidator();',
      "const problems = v.validate('deckhouse.io/v1alpha1', 'ModuleConfig', { spec: { enabled: 'yes' } });",
      "const config = loadConfig({ env: {}, flags: { repo: 'https://git.example.com/x.git' } });",
      'const cached = Object.keys(createRequire(import.meta.url).cache);',
      'const loaded = cached.filter((f) => /node_modules\\/ajv(-formats)?\\//.test(f));',
      'console.log(JSON.stringify({ problems: problems.length, configProblems: config.problems.length, loaded }));',
    ].join('\n');
    const node = path.join(ROOT, 'node_modules', '.bin', 'node');
    const { stdout } = await run(node, ['--input-type=module', '-e', script], { cwd: ROOT });
    const out = JSON.parse(stdout) as { problems: number; configProblems: number; loaded: string[] };
    expect(out.problems).toBeGreaterThan(0);
    expect(out.configProblems).toBe(0);
    // At most ajv's small run-time helpers and the format table, never its compiler.
    expect(out.loaded.filter((f) => !/\/ajv\/dist\/runtime\/|\/ajv-formats\/dist\/formats\.js$/.test(f))).toEqual([]);
  });
});
