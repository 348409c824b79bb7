/**
 * Validate stage: what only a run can check, on top of the load stage's file checks. References
 * (`source`, `updatePolicy`) must exist in git or in the cluster, and `${secret:NAME}`
 * placeholders must resolve. Pure apart from reading the mounted secret files: it returns the
 * objects to apply with their secrets filled in and leaves the loaded state as it was.
 */
import type { Redactor } from '../core/redact.ts';
import { hasErrors, type Issue } from '../manifests/issues.ts';
import { resolvePlaceholders } from '../manifests/placeholders.ts';
import type { DesiredObject, DesiredState } from '../manifests/desired.ts';
import { checkReferences } from './load.ts';
import { liveHas } from './read.ts';
import type { LiveState } from './types.ts';

export interface ValidateOptions {
  secretsDir: string;
  env: Record<string, string | undefined>;
  redactor: Redactor;
}

/** The objects ready to plan, and every problem (load's and this stage's). */
export interface Validated {
  objects: DesiredObject[];
  issues: Issue[];
  /** Whether any issue is an error: then nothing may be applied. */
  failed: boolean;
}

/** Checks references against git and the cluster and resolves secrets. */
export function validateStage(desired: DesiredState, live: LiveState, opts: ValidateOptions): Validated {
  const issues = [...desired.issues];
  issues.push(...checkReferences(desired, { has: (kind, name) => liveHas(live, kind, name) }));
  const resolved = resolvePlaceholders(desired.objects, opts);
  issues.push(...resolved.issues);
  return { objects: resolved.objects, issues, failed: hasErrors(issues) };
}
