/**
 * Rules for `metadata` of a desired-state manifest, checked before anything is applied:
 * what the API server would reject (names, label syntax, non-string annotation values),
 * what Deckhouse admission would reject (the `heritage` label), and what modsync reserves
 * for itself (its ownership label) or cannot apply (server-populated fields).
 */
import { isPlainObject } from '../core/values.ts';
import { DNS1123_SUBDOMAIN } from '../core/names.ts';
import type { KindProblem, ObjectPath } from '../kinds/types.ts';

/** A problem with where it points: the field's value, or its key (unknown/forbidden fields). */
export interface LocatedProblem extends KindProblem {
  target?: 'key' | 'value';
}

/** The label modsync puts on every object it applies, to know what it may prune. */
export const INSTANCE_LABEL = 'modsync.io/instance';

const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const SERVER_FIELDS = new Set([
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'managedFields',
  'selfLink',
]);
const ALLOWED_FIELDS = new Set(['name', 'namespace', 'labels', 'annotations']);

/** Checks a label or annotation key (`[prefix/]name`); returns why it is invalid, if it is. */
export function qualifiedNameProblem(key: string): string | undefined {
  const parts = key.split('/');
  if (parts.length > 2) return 'may contain at most one "/"';
  const [prefix, name] = parts.length === 2 ? parts : [undefined, parts[0]];
  if (prefix !== undefined && (prefix.length > 253 || !DNS1123_SUBDOMAIN.test(prefix)))
    return 'prefix must be a DNS subdomain (lowercase, e.g. example.com)';
  if (!name || name.length > 63 || !LABEL_NAME.test(name))
    return 'name must be 1-63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit';
  return undefined;
}

/** Why a name is not a DNS-1123 subdomain, if it is not. */
export function subdomainProblem(name: string): string | undefined {
  if (name.length > 253) return 'must be at most 253 characters';
  if (!DNS1123_SUBDOMAIN.test(name))
    return "must consist of lowercase letters, digits, '-' and '.', starting and ending with a letter or digit";
  return undefined;
}

function checkStringMap(meta: Record<string, unknown>, field: 'labels' | 'annotations', out: LocatedProblem[]): void {
  const map = meta[field];
  if (map === undefined || map === null) return;
  if (!isPlainObject(map)) {
    out.push({
      path: ['metadata', field],
      message: `metadata.${field}: must be a mapping of strings`,
      severity: 'error',
    });
    return;
  }
  const noun = field === 'labels' ? 'label' : 'annotation';
  for (const [key, value] of Object.entries(map)) {
    const path: ObjectPath = ['metadata', field, key];
    const keyProblem = qualifiedNameProblem(key);
    if (keyProblem)
      out.push({ path, message: `${noun} key "${key}": ${keyProblem}`, severity: 'error', target: 'key' });
    if (typeof value !== 'string') {
      const hint = value === null || typeof value === 'object' ? '' : `; quote it: "${String(value)}"`;
      out.push({ path, message: `${noun} "${key}": values must be strings${hint}`, severity: 'error' });
    } else if (field === 'labels' && value !== '' && (value.length > 63 || !LABEL_NAME.test(value))) {
      out.push({
        path,
        message: `label "${key}": value must be at most 63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit`,
        severity: 'error',
      });
    }
  }
  if (field === 'labels') {
    if ('heritage' in map) {
      out.push({
        path: ['metadata', 'labels', 'heritage'],
        message: 'label "heritage" is reserved for Deckhouse\'s own objects; Deckhouse admission rejects it',
        severity: 'error',
        target: 'key',
      });
    }
    if (INSTANCE_LABEL in map) {
      out.push({
        path: ['metadata', 'labels', INSTANCE_LABEL],
        message: `label "${INSTANCE_LABEL}" is set by modsync itself (it marks the objects it owns); remove it`,
        severity: 'error',
        target: 'key',
      });
    }
  }
}

/**
 * Checks `metadata` of a cluster-scoped manifest. The name must be a DNS-1123 subdomain
 * (kinds with stricter rules add their own); a namespace is only a warning because the API
 * server would ignore it — the loader drops it from the applied object.
 */
export function checkMetadata(obj: Record<string, unknown>): LocatedProblem[] {
  const out: LocatedProblem[] = [];
  const meta = obj.metadata;
  if (meta === undefined || meta === null)
    return [{ path: [], message: 'metadata.name: is required', severity: 'error' }];
  if (!isPlainObject(meta))
    return [{ path: ['metadata'], message: 'metadata: must be a mapping with at least a name', severity: 'error' }];

  const name = meta.name;
  if (name === undefined || name === null || name === '') {
    out.push({ path: ['metadata'], message: 'metadata.name: is required', severity: 'error', target: 'key' });
  } else if (typeof name !== 'string') {
    out.push({
      path: ['metadata', 'name'],
      message: `metadata.name: must be a string; quote it: "${String(name)}"`,
      severity: 'error',
    });
  } else {
    const problem = subdomainProblem(name);
    if (problem)
      out.push({
        path: ['metadata', 'name'],
        message: `metadata.name: "${name}" is not a valid name: ${problem}`,
        severity: 'error',
      });
  }

  if (meta.namespace !== undefined) {
    out.push({
      path: ['metadata', 'namespace'],
      message: 'metadata.namespace: this kind is cluster-scoped; the namespace is ignored',
      severity: 'warning',
      target: 'key',
    });
  }
  for (const key of Object.keys(meta)) {
    if (ALLOWED_FIELDS.has(key)) continue;
    const path: ObjectPath = ['metadata', key];
    if (SERVER_FIELDS.has(key)) {
      out.push({
        path,
        message: `metadata.${key}: is set by the API server; remove it (copied from kubectl get output?)`,
        severity: 'error',
        target: 'key',
      });
    } else if (key === 'generateName') {
      out.push({
        path,
        message: 'metadata.generateName: not supported; set metadata.name',
        severity: 'error',
        target: 'key',
      });
    } else {
      out.push({
        path,
        message: `metadata.${key}: modsync applies only name, labels and annotations; remove it`,
        severity: 'error',
        target: 'key',
      });
    }
  }
  checkStringMap(meta, 'labels', out);
  checkStringMap(meta, 'annotations', out);
  return out;
}
