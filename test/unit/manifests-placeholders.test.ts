// Registry credentials stay out of git: `${secret:NAME}` in a ModuleSource's dockerCfg is
// resolved at sync time from a mounted Secret file or an env var, and the value never shows
// up in any message or in what git holds.
import { mkdtemp, rm, symlink, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Redactor } from '../../src/core/redact.ts';
import {
  checkDockerCfgInGit,
  dockerCfgProblem,
  findMisplacedPlaceholders,
  secretEnvName,
} from '../../src/kinds/docker-cfg.ts';
import { resolvePlaceholders } from '../../src/manifests/placeholders.ts';
import type { DesiredObject } from '../../src/manifests/desired.ts';

const CONFIG_JSON = JSON.stringify({
  auths: { 'registry.internal.example:5000': { auth: Buffer.from('bot:s3cretpass').toString('base64') } },
});
const DOCKER_CFG = Buffer.from(CONFIG_JSON).toString('base64');

function source(dockerCfg: string): DesiredObject {
  const obj = {
    apiVersion: 'deckhouse.io/v1alpha1',
    kind: 'ModuleSource',
    metadata: { name: 'internal-modules' },
    spec: { registry: { repo: 'registry.internal.example:5000/modules', dockerCfg } },
  };
  return {
    id: { kind: 'ModuleSource', name: 'internal-modules' },
    object: structuredClone(obj),
    source: obj,
    file: 'sources/internal.yaml',
    line: 3,
    col: 1,
  };
}

const dockerCfgOf = (o: DesiredObject) => (o.object.spec?.registry as Record<string, unknown> | undefined)?.dockerCfg;

let secretsDir: string;
beforeEach(async () => {
  secretsDir = await mkdtemp(path.join(tmpdir(), 'modsync-secrets-'));
});
afterEach(async () => {
  await rm(secretsDir, { recursive: true, force: true });
});

describe('resolvePlaceholders', () => {
  it('reads a mounted Secret file (through the ..data symlink Kubernetes uses) and registers the value', async () => {
    await mkdir(path.join(secretsDir, '..data'));
    await writeFile(path.join(secretsDir, '..data', 'internal-registry'), `${DOCKER_CFG}\n`);
    await symlink('..data/internal-registry', path.join(secretsDir, 'internal-registry'));
    const obj = source('${secret:internal-registry}');
    const redactor = new Redactor();
    const r = resolvePlaceholders([obj], { secretsDir, env: {}, redactor });
    expect(r.issues).toEqual([]);
    expect(dockerCfgOf(r.objects[0]!)).toBe(DOCKER_CFG);
    expect((r.objects[0]!.source.spec?.registry as Record<string, unknown> | undefined)?.dockerCfg).toBe(
      '${secret:internal-registry}',
    );
    // The input is left as it was: validation is pure.
    expect(dockerCfgOf(obj)).toBe('${secret:internal-registry}');
    const leaked = `applied ${DOCKER_CFG}; config ${CONFIG_JSON}; password s3cretpass`;
    expect(redactor.scrub(leaked)).toBe('applied (secret); config (secret); password (secret)');
  });

  it('falls back to MODSYNC_SECRET_<NAME> and accepts a raw config.json', () => {
    expect(secretEnvName('internal-registry.v2')).toBe('MODSYNC_SECRET_INTERNAL_REGISTRY_V2');
    const obj = source('${secret:internal-registry}');
    const redactor = new Redactor();
    const r = resolvePlaceholders([obj], {
      secretsDir: '',
      env: { MODSYNC_SECRET_INTERNAL_REGISTRY: CONFIG_JSON },
      redactor,
    });
    expect(r.issues).toEqual([]);
    expect(dockerCfgOf(r.objects[0]!)).toBe(DOCKER_CFG);
    expect(redactor.scrub(String(dockerCfgOf(r.objects[0]!)))).toBe('(secret)');
  });

  it('prefers the file over the env var', async () => {
    await writeFile(path.join(secretsDir, 'reg'), DOCKER_CFG);
    const obj = source('${secret:reg}');
    const r = resolvePlaceholders([obj], {
      secretsDir,
      env: { MODSYNC_SECRET_REG: 'other' },
      redactor: new Redactor(),
    });
    expect(dockerCfgOf(r.objects[0]!)).toBe(DOCKER_CFG);
  });

  it('reports a missing secret with where it was looked for', () => {
    const obj = source('${secret:internal-registry}');
    const { issues, objects } = resolvePlaceholders([obj], { secretsDir, env: {}, redactor: new Redactor() });
    expect(issues).toEqual([
      {
        severity: 'error',
        file: 'sources/internal.yaml',
        line: 3,
        col: 1,
        subject: 'ModuleSource/internal-modules',
        message: `spec.registry.dockerCfg: secret for \${secret:internal-registry} not found; provide the file ${path.join(secretsDir, 'internal-registry')} or the env var MODSYNC_SECRET_INTERNAL_REGISTRY`,
      },
    ]);
    expect(dockerCfgOf(objects[0]!)).toBe('${secret:internal-registry}');
  });

  it('rejects a value that is no dockerCfg without printing it', () => {
    const obj = source('${secret:reg}');
    const { issues } = resolvePlaceholders([obj], {
      secretsDir,
      env: { MODSYNC_SECRET_REG: 'hunter2-password' },
      redactor: new Redactor(),
    });
    expect(issues.map((i) => i.message)).toEqual([
      'spec.registry.dockerCfg: the value of ${secret:reg} (from the env var MODSYNC_SECRET_REG) is not base64',
    ]);
    expect(JSON.stringify(issues)).not.toContain('hunter2');
  });

  it('registers a plain-text dockerCfg from git with the redactor too', () => {
    const redactor = new Redactor();
    resolvePlaceholders([source(DOCKER_CFG)], { secretsDir, env: {}, redactor });
    expect(redactor.scrub(`x ${DOCKER_CFG} s3cretpass`)).toBe('x (secret) (secret)');
  });
});

describe('checks on what git holds', () => {
  it('accepts a placeholder, warns about plain text and rejects malformed placeholders', () => {
    expect(checkDockerCfgInGit(source('${secret:a.b_c-1}').source)).toEqual([]);
    expect(checkDockerCfgInGit(source(DOCKER_CFG).source).map((p) => p.severity)).toEqual(['warning']);
    for (const bad of [
      '${secret:../etc/passwd}',
      '${secret:/abs}',
      '${secret:}',
      '${ secret:x}',
      'prefix ${secret:x}',
      '${env:HOME}',
    ]) {
      const problems = checkDockerCfgInGit(source(bad).source);
      expect(
        problems.filter((p) => p.severity === 'error').map((p) => p.message),
        bad,
      ).toEqual([
        'spec.registry.dockerCfg: invalid placeholder; the syntax is ${secret:NAME} (NAME: letters, digits, "_", "." and "-", starting with a letter or digit)',
      ]);
    }
  });

  it('finds placeholders outside dockerCfg', () => {
    expect(
      findMisplacedPlaceholders({
        spec: { registry: { dockerCfg: '${secret:a}', ca: '${secret:ca}' }, settings: { list: ['${secret:x}'] } },
      }).map((p) => p.message),
    ).toEqual([
      'spec.registry.ca: ${secret:...} placeholders are only supported in spec.registry.dockerCfg',
      'spec.settings.list[0]: ${secret:...} placeholders are only supported in spec.registry.dockerCfg',
    ]);
  });

  it('knows a dockerCfg when it sees one', () => {
    expect(dockerCfgProblem(DOCKER_CFG)).toBeUndefined();
    expect(dockerCfgProblem(Buffer.from('{"credsStore":"x"}').toString('base64'))).toBe(
      'is not base64 of a docker config.json with an "auths" object',
    );
    expect(dockerCfgProblem(Buffer.from('not json').toString('base64'))).toBe(
      'is not base64 of JSON (a docker config.json)',
    );
  });
});
