/**
 * The rules of `spec.registry.dockerCfg` as written in git: it may be the placeholder
 * `${secret:NAME}` instead of the credential itself (resolved at sync time by
 * manifests/placeholders.ts), placeholders are allowed nowhere else, and a credential kept in
 * plain text is warned about. NAME cannot contain `/`, so a commit cannot make modsync read an
 * arbitrary file of the pod.
 */
import { formatPath, type ObjectPath } from '../core/object-path.ts';
import { getPath, isPlainObject } from '../core/values.ts';
import type { KindProblem } from './types.ts';

/** The only field where placeholders are allowed. */
export const DOCKER_CFG_PATH: ObjectPath = ['spec', 'registry', 'dockerCfg'];

const PLACEHOLDER = /^\$\{secret:([A-Za-z0-9][A-Za-z0-9_.-]*)\}$/;
const LOOKS_LIKE_PLACEHOLDER = /\$\{\s*secret\s*:/;
const SYNTAX = '${secret:NAME} (NAME: letters, digits, "_", "." and "-", starting with a letter or digit)';

/** The secret name of a well-formed placeholder, else undefined. */
export function placeholderName(value: string): string | undefined {
  return PLACEHOLDER.exec(value)?.[1];
}

/** The env var a placeholder falls back to: `MODSYNC_SECRET_<NAME>`, non-alphanumerics as `_`. */
export function secretEnvName(name: string): string {
  return `MODSYNC_SECRET_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

/** Why a value is not a usable dockerCfg (base64 of a JSON object with `auths`), if it is not. */
export function dockerCfgProblem(value: string): string | undefined {
  const compact = value.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact) || compact.length % 4 !== 0) return 'is not base64';
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(compact, 'base64').toString('utf8'));
  } catch {
    return 'is not base64 of JSON (a docker config.json)';
  }
  if (!isPlainObject(parsed) || !isPlainObject(parsed.auths))
    return 'is not base64 of a docker config.json with an "auths" object';
  return undefined;
}

/**
 * Checks a ModuleSource's dockerCfg as written in git: a malformed placeholder is an error,
 * a plain-text credential a warning (and an error if it is not a dockerCfg at all).
 */
export function checkDockerCfgInGit(obj: unknown): KindProblem[] {
  const value = getPath(obj, DOCKER_CFG_PATH);
  if (typeof value !== 'string' || value === '') return [];
  if (placeholderName(value)) return [];
  if (LOOKS_LIKE_PLACEHOLDER.test(value) || value.includes('${')) {
    return [
      {
        path: DOCKER_CFG_PATH,
        severity: 'error',
        message: `spec.registry.dockerCfg: invalid placeholder; the syntax is ${SYNTAX}`,
      },
    ];
  }
  const out: KindProblem[] = [
    {
      path: DOCKER_CFG_PATH,
      severity: 'warning',
      message:
        'spec.registry.dockerCfg: stored in git in plain text; use ${secret:NAME} and a mounted Secret or env var',
    },
  ];
  const problem = dockerCfgProblem(value);
  if (problem) out.push({ path: DOCKER_CFG_PATH, severity: 'error', message: `spec.registry.dockerCfg: ${problem}` });
  return out;
}

/** Placeholders anywhere but in dockerCfg are errors: modsync would apply them literally. */
export function findMisplacedPlaceholders(value: unknown, path: ObjectPath = []): KindProblem[] {
  if (typeof value === 'string') {
    const allowed = path.length === DOCKER_CFG_PATH.length && path.every((p, i) => p === DOCKER_CFG_PATH[i]);
    if (!allowed && LOOKS_LIKE_PLACEHOLDER.test(value)) {
      return [
        {
          path,
          severity: 'error',
          message: `${formatPath(path)}: \${secret:...} placeholders are only supported in spec.registry.dockerCfg`,
        },
      ];
    }
    return [];
  }
  if (Array.isArray(value)) return value.flatMap((v, i) => findMisplacedPlaceholders(v, [...path, i]));
  if (isPlainObject(value))
    return Object.entries(value).flatMap(([k, v]) => findMisplacedPlaceholders(v, [...path, k]));
  return [];
}
