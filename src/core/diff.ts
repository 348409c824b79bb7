/**
 * Field-level diffs over the fields modsync manages. Only paths in a given field set are
 * compared, so server defaults, status and other managers' fields never show up as drift.
 * Secret values are masked in the result but compared in full.
 */
import type { FieldChange } from './change-set.ts';
import type { FieldPath, FieldSet } from './field-set.ts';
import { displayPath, removeAt, valueAt } from './field-set-walk.ts';
import type { JsonValue, KubeObject } from './object.ts';
import { MASK } from './redact.ts';
import type { Redactor } from './redact.ts';
import { isPlainObject, jsonEqual } from './values.ts';

/** Paths whose values are always secret, whatever the redactor knows. */
export const SECRET_PATHS: readonly string[] = ['spec.registry.dockerCfg'];

/** A kind's drift rules (the parts of a kind handler the diff needs). */
export interface DriftRules {
  /** Whether a desired and a live value at a dotted path are the same (`6h30m` = `6h30m0s`). */
  sameValue(path: string, desired: unknown, live: unknown): boolean;
  /** Paths that are not drift even when they differ (one-shot annotations the controller consumed). */
  ignoreDrift(path: string, desired: KubeObject, live: KubeObject): boolean;
}

/** Whether a dotted path is (under) a secret path. */
export function isSecretPath(path: string): boolean {
  return SECRET_PATHS.some((s) => path === s || path.startsWith(`${s}.`) || path.startsWith(`${s}[`));
}

/** A value as it may be shown: MASK on secret paths, known secrets scrubbed elsewhere. */
export function maskValue(path: string, value: unknown, redactor?: Redactor): unknown {
  if (value === undefined) return undefined;
  if (isSecretPath(path)) return MASK;
  return redactor ? redactor.scrubDeep(value) : value;
}

export interface DiffInput {
  /** The object as it is (live); undefined for a create. */
  before: KubeObject | undefined;
  /** The object as it will be (desired, or live merged with desired). */
  after: KubeObject;
  /** The fields to compare: what modsync applies plus what it still owns. */
  fields: FieldSet;
  /** Drift rules of the kind (durations by value, ignored paths); exact comparison without. */
  rules?: DriftRules;
  /** The desired object, for `ignoreDrift`. */
  desired?: KubeObject;
  redactor?: Redactor;
}

/**
 * The changed leaves of `fields` between `before` and `after`, in the set's order.
 * A leaf missing on one side shows `before` or `after` as undefined.
 */
export function diffFields(input: DiffInput): FieldChange[] {
  const { before, after, fields, rules, redactor } = input;
  const changes: FieldChange[] = [];
  for (const path of fields.leaves()) {
    const b = valueAt(before, path);
    const a = valueAt(after, path);
    if (!b.found && !a.found) continue;
    // Equal values need no path to be named (the common case: a no-op compares every leaf).
    if (b.found && a.found && jsonEqual(a.value, b.value)) continue;
    const dotted = displayPath(path);
    if (b.found && a.found && sameLeaf(dotted, a.value, b.value, rules)) continue;
    if (before && rules?.ignoreDrift(dotted, input.desired ?? after, before)) continue;
    const change: FieldChange = { path: dotted };
    if (b.found) change.before = maskValue(dotted, b.value, redactor);
    if (a.found) change.after = maskValue(dotted, a.value, redactor);
    changes.push(change);
  }
  return changes;
}

function sameLeaf(path: string, desired: JsonValue, live: JsonValue, rules: DriftRules | undefined): boolean {
  if (jsonEqual(desired, live)) return true;
  // An applied `{}` only says the object exists; what defaults or others put in it is theirs.
  if (isPlainObject(desired) && Object.keys(desired).length === 0 && isPlainObject(live)) return true;
  return rules ? rules.sameValue(path, desired, live) : false;
}

function deepCopy<T>(v: T): T {
  return structuredClone(v);
}

function mergeInto(base: Record<string, unknown>, overlay: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(overlay)) {
    if (v === undefined) continue;
    const cur = base[k];
    if (v && typeof v === 'object' && !Array.isArray(v) && cur && typeof cur === 'object' && !Array.isArray(cur)) {
      mergeInto(cur as Record<string, unknown>, v as Record<string, unknown>);
    } else {
      base[k] = deepCopy(v);
    }
  }
}

/**
 * What the object becomes when `desired` is applied over `live`: objects merge key by key,
 * lists are replaced whole (every list in the managed kinds is atomic), and the fields
 * modsync owned but no longer applies (`dropped`) are removed. Status is left out.
 * It approximates the server's merge for the plan's diff; the dry-run gives the exact result.
 */
export function nextObject(live: KubeObject, desired: KubeObject, dropped: FieldPath[] = []): KubeObject {
  const next = deepCopy(live);
  delete next.status;
  for (const path of dropped) removeAt(next, path);
  mergeInto(next as Record<string, unknown>, desired as Record<string, unknown>);
  return next;
}
