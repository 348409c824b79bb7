/**
 * ModuleUpdatePolicy: release channel, update mode and windows. v1alpha2 is what Deckhouse
 * serves; v1alpha1 is still accepted from git with a deprecation warning and converted the
 * way the API server's `None` conversion would not: the dropped `moduleReleaseSelector` is
 * announced, and v1alpha1's default mode (AutoPatch) is written explicitly, because under
 * v1alpha2 an omitted mode means Auto — a silent switch to unattended minor updates.
 */
import { type ModuleUpdatePolicySpec, specOf } from './specs.ts';
import type { KubeObject } from '../core/object.ts';
import { getPath, isPlainObject, jsonEqual } from '../core/values.ts';
import { formatPath } from '../core/object-path.ts';
import type { KindHandler, KindProblem, ObjectPath } from './types.ts';

const WINDOW_TIME = /^(?:\d|[01]\d|2[0-3]):[0-5]\d$/;
const V1ALPHA1 = 'deckhouse.io/v1alpha1';
const V1ALPHA2 = 'deckhouse.io/v1alpha2';

/** `13:30` → 1330, the way Deckhouse's admission policy compares window bounds. */
export function windowMinutes(time: string): number | undefined {
  return WINDOW_TIME.test(time) ? Number(time.replace(':', '')) : undefined;
}

/**
 * Update windows whose `from` is not earlier than `to`, as Deckhouse's admission policies
 * reject them (for policies, and for the `deckhouse` ModuleConfig's own windows).
 */
export function windowOrderProblems(windows: unknown, path: ObjectPath): KindProblem[] {
  if (!Array.isArray(windows)) return [];
  const out: KindProblem[] = [];
  windows.forEach((w, i) => {
    if (!isPlainObject(w) || typeof w.from !== 'string' || typeof w.to !== 'string') return;
    const from = windowMinutes(w.from);
    const to = windowMinutes(w.to);
    if (from === undefined || to === undefined || from < to) return;
    out.push({
      path: [...path, i, 'from'],
      severity: 'error',
      message: `${formatPath([...path, i])}: from (${w.from}) must be earlier than to (${w.to}); windows cannot cross midnight, split it in two`,
    });
  });
  return out;
}

function validate(obj: KubeObject): KindProblem[] {
  const out = windowOrderProblems(getPath(obj, ['spec', 'update', 'windows']), ['spec', 'update', 'windows']);
  if (obj.apiVersion === V1ALPHA1 && getPath(obj, ['spec', 'update', 'mode']) === 'Ignore') {
    out.push({
      path: ['spec', 'update', 'mode'],
      severity: 'error',
      message:
        'spec.update.mode: Ignore does not exist in deckhouse.io/v1alpha2; use Manual and do not approve releases',
    });
  }
  return out;
}

function toApplied(obj: KubeObject): { object: KubeObject; warnings: KindProblem[] } {
  const object = structuredClone(obj);
  if (obj.apiVersion !== V1ALPHA1) return { object, warnings: [] };
  object.apiVersion = V1ALPHA2;
  // v1alpha1 also had a release selector, which v1alpha2 dropped.
  const spec = specOf<ModuleUpdatePolicySpec & { moduleReleaseSelector?: unknown }>(object);
  const notes = ['deckhouse.io/v1alpha1 ModuleUpdatePolicy is deprecated; modsync applies it as deckhouse.io/v1alpha2'];
  if ('moduleReleaseSelector' in spec) {
    delete spec.moduleReleaseSelector;
    notes.push('spec.moduleReleaseSelector is dropped (bind the policy with ModuleConfig.spec.updatePolicy)');
  }
  const update = isPlainObject(spec.update) ? spec.update : {};
  if (update.mode === undefined) {
    update.mode = 'AutoPatch';
    notes.push("spec.update.mode is set to AutoPatch (v1alpha1's default; v1alpha2 would default to Auto)");
  }
  spec.update = update;
  object.spec = spec as KubeObject['spec'];
  return {
    object,
    warnings: [
      { path: ['apiVersion'], severity: 'warning', message: `${notes.join('; ')}. Rewrite the file as v1alpha2.` },
    ],
  };
}

/** Handler for `deckhouse.io/v1alpha2 ModuleUpdatePolicy` (and deprecated v1alpha1). */
export const moduleUpdatePolicyHandler: KindHandler = {
  kind: 'ModuleUpdatePolicy',
  apiVersions: [V1ALPHA2, V1ALPHA1],
  validate,
  toApplied,
  references: () => [],
  sameValue: (_path, desired, live) => jsonEqual(desired, live),
  ignoreDrift: () => false,
  destructive: () => undefined,
};
