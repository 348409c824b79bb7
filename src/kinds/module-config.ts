/**
 * ModuleConfig: per-module settings, named after its module. Beyond the CRD: the name must
 * be a module name, `source: Embedded` is rejected by Deckhouse, `source`/`updatePolicy`
 * name other objects that must exist, the one-shot allow-disabling annotation is not drift
 * once it has done its job, and disabling a module or switching its source is destructive.
 */
import { type ModuleConfigSpec, type ModuleStatus, specOf, statusOf } from './specs.ts';
import type { KubeObject } from '../core/object.ts';
import { DNS1123_SUBDOMAIN } from '../core/names.ts';
import { getPath, jsonEqual } from '../core/values.ts';
import { windowOrderProblems } from './module-update-policy.ts';
import type { KindContext, KindHandler, KindProblem, ObjectPath, Reference } from './types.ts';

/** Module names: kebab-case, as Deckhouse names modules (`control-plane-manager`). */
export const MODULE_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

const WINDOWS_PATH: ObjectPath = ['spec', 'settings', 'update', 'windows'];

/** The annotation that lets a module requiring confirmation be disabled; removed by the controller after use. */
export const ALLOW_DISABLING_ANNOTATION = 'modules.deckhouse.io/allow-disabling';

function validate(obj: KubeObject): KindProblem[] {
  const out: KindProblem[] = [];
  const name = obj.metadata?.name;
  // Names that are not even DNS subdomains are reported by the generic metadata check.
  if (typeof name === 'string' && DNS1123_SUBDOMAIN.test(name) && !MODULE_NAME.test(name)) {
    out.push({
      path: ['metadata', 'name'],
      severity: 'error',
      message: `metadata.name: "${name}" is not a module name; a ModuleConfig is named after its module (lowercase letters, digits and '-', e.g. hello-world)`,
    });
  }
  // Deckhouse's admission applies the policy window rule to its own config's windows too.
  if (name === 'deckhouse') out.push(...windowOrderProblems(getPath(obj, WINDOWS_PATH), WINDOWS_PATH));
  if (getPath(obj, ['spec', 'source']) === 'Embedded') {
    out.push({
      path: ['spec', 'source'],
      severity: 'error',
      message:
        'spec.source: Embedded is rejected by Deckhouse; name a ModuleSource or leave source unset for built-in modules',
    });
  }
  return out;
}

function references(obj: KubeObject): Reference[] {
  const out: Reference[] = [];
  const source = getPath(obj, ['spec', 'source']);
  if (typeof source === 'string' && source !== '' && source !== 'Embedded')
    out.push({ kind: 'ModuleSource', name: source, path: ['spec', 'source'] });
  const policy = getPath(obj, ['spec', 'updatePolicy']);
  if (typeof policy === 'string' && policy !== '')
    out.push({ kind: 'ModuleUpdatePolicy', name: policy, path: ['spec', 'updatePolicy'] });
  return out;
}

// Planner paths may name the annotation dotted (`metadata.annotations.modules.deckhouse.io/allow-disabling`)
// or bracketed (`metadata.annotations["modules.deckhouse.io/allow-disabling"]`); accept both.
function isAllowDisablingPath(path: string): boolean {
  return path.startsWith('metadata.annotations') && path.includes(ALLOW_DISABLING_ANNOTATION);
}

function withoutAllowDisabling(annotations: unknown): unknown {
  if (!annotations || typeof annotations !== 'object') return annotations;
  const rest = { ...(annotations as Record<string, unknown>) };
  delete rest[ALLOW_DISABLING_ANNOTATION];
  return Object.keys(rest).length > 0 ? rest : undefined;
}

const configOf = (obj: KubeObject | undefined): Partial<ModuleConfigSpec> => specOf<ModuleConfigSpec>(obj);

function ignoreDrift(path: string, desired: KubeObject, live: KubeObject): boolean {
  if (configOf(desired).enabled !== configOf(live).enabled) return false;
  if (isAllowDisablingPath(path)) return true;
  // A diff of the whole annotations map: drift only if something besides the annotation differs.
  if (path === 'metadata.annotations') {
    return jsonEqual(
      withoutAllowDisabling(desired.metadata.annotations),
      withoutAllowDisabling(live.metadata.annotations),
    );
  }
  return false;
}

/**
 * Whether the module is enabled now: the config says so, or it says nothing and the Module's
 * manager enabled it (bundle default: `deckhouse`, `global` carry no `enabled` field).
 */
function enabledNow(live: KubeObject | undefined, module: KubeObject | undefined): boolean {
  const value = configOf(live).enabled;
  if (typeof value === 'boolean') return value;
  return moduleEnabled(module);
}

/** The Module's `EnabledByModuleManager` condition is True (deckhouse-controller module manager). */
export function moduleEnabled(module: KubeObject | undefined): boolean {
  const conditions = statusOf<ModuleStatus>(module).conditions ?? [];
  return conditions.some((c) => c?.type === 'EnabledByModuleManager' && c.status === 'True');
}

function destructive(
  live: KubeObject | undefined,
  next: KubeObject,
  ctx?: KindContext,
): 'disable' | 'source-switch' | undefined {
  const after = configOf(next).enabled;
  if (after === false && enabledNow(live, ctx?.module)) return 'disable';
  // Dropping `enabled: true` hands the module back to its bundle default: counted as a disable.
  if (after === undefined && configOf(live).enabled === true) return 'disable';
  if (!live) return undefined;
  const before = configOf(live).source;
  const source = configOf(next).source;
  return before && source && before !== source ? 'source-switch' : undefined;
}

/** Handler for `deckhouse.io/v1alpha1 ModuleConfig`. */
export const moduleConfigHandler: KindHandler = {
  kind: 'ModuleConfig',
  apiVersions: ['deckhouse.io/v1alpha1'],
  validate,
  toApplied: (obj) => ({ object: structuredClone(obj), warnings: [] }),
  references,
  sameValue: (_path, desired, live) => jsonEqual(desired, live),
  ignoreDrift,
  destructive,
  requiredModule: (obj) => (configOf(obj).enabled === true ? obj.metadata.name : undefined),
};
