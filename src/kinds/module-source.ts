/**
 * ModuleSource: a registry publishing modules. Beyond its CRD schema: dockerCfg must not be
 * a plain-text credential in git (placeholders instead), durations compare by value (the
 * controller rewrites `6h30m` as `6h30m0s`), and pointing a source at another registry is
 * destructive (modules may disappear or be replaced), while rotating credentials is not.
 */
import { type ModuleSourceSpec, specOf } from './specs.ts';
import type { KubeObject } from '../core/object.ts';
import { checkDockerCfgInGit } from './docker-cfg.ts';
import { getPath, jsonEqual } from '../core/values.ts';
import type { KindHandler, KindProblem } from './types.ts';

const DURATION_UNITS: Record<string, number> = {
  ns: 1,
  us: 1e3,
  µs: 1e3,
  μs: 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};
// µs and μs (micro sign, Greek mu) escaped: the bundle stays ASCII (scripts/build.ts).
const DURATION = /^[-+]?(?:(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|\u00b5s|\u03bcs|ms|s|m|h))+$/;
const DURATION_PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|\u00b5s|\u03bcs|ms|s|m|h)/g;

/** The controller ignores scan intervals shorter than its 3-minute default. */
const MIN_SCAN_INTERVAL_NS = 3 * 60e9;

/** A Go `time.Duration` string in nanoseconds (`1h30m`, `90s`, `1.5h`, `0`), or undefined. */
export function parseGoDuration(text: string): number | undefined {
  if (text === '0' || text === '+0' || text === '-0') return 0;
  if (!DURATION.test(text)) return undefined;
  let total = 0;
  for (const [, amount, unit] of text.matchAll(DURATION_PART)) total += Number(amount) * (DURATION_UNITS[unit!] ?? 0);
  return text.startsWith('-') ? -total : total;
}

/** Two duration strings mean the same time span (`6h30m` = `6h30m0s`); else string equality. */
export function sameDuration(a: unknown, b: unknown): boolean {
  if (typeof a === 'string' && typeof b === 'string') {
    const da = parseGoDuration(a);
    const db = parseGoDuration(b);
    if (da !== undefined && db !== undefined) return da === db;
  }
  return jsonEqual(a, b);
}

// The API server defaults an omitted scheme to HTTPS: omitted and HTTPS are the same registry.
function registryOf(obj: KubeObject): { repo: string | undefined; scheme: string } {
  const registry = specOf<ModuleSourceSpec>(obj).registry;
  return { repo: registry?.repo, scheme: registry?.scheme ?? 'HTTPS' };
}

function validate(obj: KubeObject): KindProblem[] {
  const out = checkDockerCfgInGit(obj);
  if (getPath(obj, ['spec', 'releaseChannel']) !== undefined) {
    out.push({
      path: ['spec', 'releaseChannel'],
      severity: 'warning',
      message: 'spec.releaseChannel: deprecated and ignored by Deckhouse; set the channel in a ModuleUpdatePolicy',
    });
  }
  const interval = getPath(obj, ['spec', 'scanInterval']);
  const ns = typeof interval === 'string' ? parseGoDuration(interval) : undefined;
  if (ns !== undefined && ns < MIN_SCAN_INTERVAL_NS) {
    out.push({
      path: ['spec', 'scanInterval'],
      severity: 'warning',
      message: `spec.scanInterval: ${String(interval)} is below the controller's 3m minimum; it scans every 3m`,
    });
  }
  const repo = getPath(obj, ['spec', 'registry', 'repo']);
  if (typeof repo === 'string' && /^[a-z]+:\/\//i.test(repo)) {
    out.push({
      path: ['spec', 'registry', 'repo'],
      severity: 'error',
      message: 'spec.registry.repo: must be a registry path without a URL scheme (set spec.registry.scheme for HTTP)',
    });
  }
  return out;
}

/** Handler for `deckhouse.io/v1alpha1 ModuleSource`. */
export const moduleSourceHandler: KindHandler = {
  kind: 'ModuleSource',
  apiVersions: ['deckhouse.io/v1alpha1'],
  validate,
  toApplied: (obj) => ({ object: structuredClone(obj), warnings: [] }),
  references: () => [],
  sameValue: (path, desired, live) =>
    path === 'spec.scanInterval' ? sameDuration(desired, live) : jsonEqual(desired, live),
  ignoreDrift: () => false,
  destructive(live, next) {
    if (!live) return undefined;
    const a = registryOf(live);
    const b = registryOf(next);
    return a.repo !== b.repo || a.scheme !== b.scheme ? 'registry-change' : undefined;
  },
};
