/**
 * Secrets in manifests: `spec.registry.dockerCfg` of a ModuleSource may be the placeholder
 * `${secret:NAME}` instead of the credential itself, so git never holds it in plain text.
 * At sync time NAME is read from the file `<secretsDir>/NAME` (a mounted Kubernetes Secret),
 * else from the env var `MODSYNC_SECRET_<NAME upper-cased, other characters as _>`. The value
 * is either the base64 dockerCfg itself or the raw docker `config.json` (`{"auths": ...}`),
 * which modsync base64-encodes. NAME cannot contain `/`, so a commit cannot make modsync
 * read an arbitrary file of the pod. Resolved values are registered with the Redactor and
 * never appear in messages.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Redactor } from '../core/redact.ts';
import { DOCKER_CFG_PATH, dockerCfgProblem, placeholderName, secretEnvName } from '../kinds/docker-cfg.ts';
import type { DesiredObject } from './desired.ts';
import type { Issue } from './issues.ts';
import { issueError } from './issues.ts';
import { positionOf } from './origin.ts';
import { getPath } from '../core/values.ts';

/** Where secrets come from at sync time, and the redactor that must learn them. */
export interface ResolveOptions {
  /** Folder of mounted secret files; '' to use env vars only. */
  secretsDir: string;
  env: Record<string, string | undefined>;
  redactor: Redactor;
}

function readSecretFile(dir: string, name: string): string | undefined {
  if (!dir) return undefined;
  try {
    // Kubernetes mounts Secret keys as symlinks into `..data/`; following them is intended.
    return readFileSync(path.join(dir, name), 'utf8');
  } catch {
    return undefined;
  }
}

/** Every string in a docker config that is a credential, for the redactor. */
function credentialStrings(json: string): string[] {
  const out: string[] = [];
  try {
    const cfg = JSON.parse(json) as { auths?: Record<string, Record<string, unknown>> };
    out.push(json);
    for (const entry of Object.values(cfg.auths ?? {})) {
      for (const key of ['auth', 'password', 'identitytoken', 'registrytoken']) {
        const v = entry[key];
        if (typeof v !== 'string') continue;
        out.push(v);
        if (key !== 'auth') continue;
        // `auth` is base64 of `user:password`: the password alone must not leak either.
        const decoded = Buffer.from(v, 'base64').toString('utf8');
        out.push(decoded, decoded.slice(decoded.indexOf(':') + 1));
      }
    }
  } catch {
    // Not JSON: nothing more to register.
  }
  return out;
}

/** The desired objects with their secrets filled in, and the problems met doing so. */
export interface Resolved {
  objects: DesiredObject[];
  issues: Issue[];
}

/**
 * The objects with dockerCfg placeholders in `object` (never in `source`) replaced by the secret
 * value, as copies (the input is not changed), registering every resolved value (and any
 * plain-text dockerCfg from git) with the redactor. Missing secrets and values that are no
 * dockerCfg are errors naming the placeholder, the file and the env var, never a value.
 */
export function resolvePlaceholders(input: readonly DesiredObject[], opts: ResolveOptions): Resolved {
  const issues: Issue[] = [];
  const objects = input.map((obj) => resolveOne(obj, opts, issues));
  return { objects, issues };
}

function resolveOne(obj: DesiredObject, opts: ResolveOptions, issues: Issue[]): DesiredObject {
  const value = getPath(obj.object, DOCKER_CFG_PATH);
  if (typeof value !== 'string') return obj;
  const name = placeholderName(value);
  if (!name) {
    // A credential kept in git in plain text (warned about at load) is still a secret.
    opts.redactor.add(value);
    for (const s of credentialStrings(Buffer.from(value, 'base64').toString('utf8'))) opts.redactor.add(s);
    return obj;
  }
  const subject = `${obj.id.kind}/${obj.id.name}`;
  const at = positionOf(obj, DOCKER_CFG_PATH);
  const envName = secretEnvName(name);
  const where = opts.secretsDir
    ? `the file ${path.join(opts.secretsDir, name)} or the env var ${envName}`
    : `the env var ${envName}`;
  const fromFile = readSecretFile(opts.secretsDir, name)?.trim();
  const raw = fromFile || opts.env[envName]?.trim();
  const origin = fromFile ? `the file ${path.join(opts.secretsDir, name)}` : `the env var ${envName}`;
  if (!raw) {
    issues.push(
      issueError(
        obj.file,
        at.line,
        at.col,
        `spec.registry.dockerCfg: secret for \${secret:${name}} not found; provide ${where}`,
        subject,
      ),
    );
    return obj;
  }
  opts.redactor.add(raw);
  let encoded = raw.replace(/\s+/g, '');
  if (raw.startsWith('{')) {
    encoded = Buffer.from(raw).toString('base64');
  }
  const problem = dockerCfgProblem(encoded);
  if (problem) {
    issues.push(
      issueError(
        obj.file,
        at.line,
        at.col,
        `spec.registry.dockerCfg: the value of \${secret:${name}} (from ${origin}) ${problem}`,
        subject,
      ),
    );
    return obj;
  }
  opts.redactor.add(encoded);
  for (const s of credentialStrings(Buffer.from(encoded, 'base64').toString('utf8'))) opts.redactor.add(s);
  const object = structuredClone(obj.object);
  (object.spec as { registry: Record<string, unknown> }).registry.dockerCfg = encoded;
  return { ...obj, object };
}
