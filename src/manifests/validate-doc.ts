/**
 * Validates one YAML document of the desired state and turns it into what the pipeline
 * works with: a DesiredObject (converted to the version modsync writes) or an approval.
 * Checks run in the order a user fixes things: kind allow-list, metadata, CRD schema,
 * placeholders, then the kind's own rules; every problem points at its node.
 */
import { isManagedKind } from '../core/kinds.ts';
import type { ManagedKind } from '../core/kinds.ts';
import type { KubeObject } from '../core/object.ts';
import {
  APPROVAL_API_VERSION,
  APPROVAL_KIND,
  APPROVAL_SCHEMA,
  approvalSpecOf,
  validateApproval,
} from '../kinds/approval.ts';
import { handlerFor, HANDLERS } from '../kinds/registry.ts';
import type { ApprovalManifest, DesiredObject } from './desired.ts';
import type { CrdValidator, KindSchema } from './crd-schema.ts';
import { createCrdValidator, loadCrdSchemas } from './crd-schema.ts';
import type { Issue } from './issues.ts';
import { issueError, issueWarning } from './issues.ts';
import type { LocatedProblem } from './metadata.ts';
import { checkMetadata } from './metadata.ts';
import { rememberOrigin } from './origin.ts';
import { findMisplacedPlaceholders } from '../kinds/docker-cfg.ts';
import type { ManifestDoc } from './yaml.ts';
import { positionIn } from './positions.ts';

/** What one document yields: an object to apply, an approval, or nothing (invalid). */
export interface DocResult {
  object?: DesiredObject;
  approval?: ApprovalManifest;
  issues: Issue[];
}

/** `deckhouse.io/v1alpha1 ModuleSource, …`: what the allow-list accepts, for messages. */
export const ACCEPTED_KINDS_TEXT =
  'deckhouse.io/v1alpha1 ModuleSource, deckhouse.io/v1alpha2 ModuleUpdatePolicy (v1alpha1 deprecated), deckhouse.io/v1alpha1 ModuleConfig, modsync.io/v1alpha1 ModuleReleaseApproval';

/** A validator for every kind modsync accepts from git, from the project's CRD copies. */
export async function createManifestValidator(crdDir?: string): Promise<CrdValidator> {
  const managed = new Set<string>(Object.values(HANDLERS).flatMap((h) => h.apiVersions.map((v) => `${v} ${h.kind}`)));
  const schemas = (await loadCrdSchemas(crdDir)).filter((s) => managed.has(`${s.apiVersion} ${s.kind}`));
  const approval: KindSchema = { apiVersion: APPROVAL_API_VERSION, kind: APPROVAL_KIND, schema: APPROVAL_SCHEMA };
  // Loaded here, not at start: a run whose desired state is cached validates no manifest.
  const { PRECOMPILED_CRD_VALIDATORS } = await import('./generated-crd-validators.ts');
  return createCrdValidator([...schemas, approval], PRECOMPILED_CRD_VALIDATORS);
}

function acceptedVersions(kind: string): readonly string[] | undefined {
  if (isManagedKind(kind)) return handlerFor(kind).apiVersions;
  return kind === APPROVAL_KIND ? [APPROVAL_API_VERSION] : undefined;
}

/** Checks the kind allow-list; returns the problem, if any. */
function kindProblem(value: Record<string, unknown>): LocatedProblem | undefined {
  const { apiVersion, kind } = value;
  if (typeof kind !== 'string' || kind === '')
    return { path: [], severity: 'error', message: `kind: is required; modsync accepts ${ACCEPTED_KINDS_TEXT}` };
  if (apiVersion === undefined || apiVersion === null || apiVersion === '')
    return { path: [], severity: 'error', message: `apiVersion: is required for kind ${kind}` };
  if (typeof apiVersion !== 'string')
    return {
      path: ['apiVersion'],
      severity: 'error',
      message: `apiVersion: must be a string such as ${acceptedVersions(kind)?.[0] ?? 'deckhouse.io/v1alpha1'}`,
    };
  const versions = acceptedVersions(kind);
  if (!versions) {
    return {
      path: ['kind'],
      severity: 'error',
      message: `kind ${kind} (${apiVersion}) is not accepted; modsync accepts only ${ACCEPTED_KINDS_TEXT}`,
    };
  }
  if (!versions.includes(apiVersion)) {
    return {
      path: ['apiVersion'],
      severity: 'error',
      message: `apiVersion: ${kind} must be ${versions[0]}, not ${apiVersion}`,
    };
  }
  return undefined;
}

/** An issue for a problem found in a document, located at its node. */
function toIssue(doc: ManifestDoc, p: LocatedProblem, subject: string | undefined): Issue {
  const at = p.path.length === 0 ? { line: doc.line, col: doc.col } : positionIn(doc, p.path, p.target ?? 'value');
  return p.severity === 'error'
    ? issueError(doc.file, at.line, at.col, p.message, subject)
    : issueWarning(doc.file, at.line, at.col, p.message, subject);
}

/** Validates a document and builds its DesiredObject or ApprovalManifest when it is valid. */
export function validateDocument(doc: ManifestDoc, validator: CrdValidator): DocResult {
  const value = doc.value;
  const rawName = (value.metadata as { name?: unknown } | null | undefined)?.name;
  const subject =
    typeof rawName === 'string' && rawName && typeof value.kind === 'string' ? `${value.kind}/${rawName}` : undefined;
  const badKind = kindProblem(value);
  if (badKind) return { issues: [toIssue(doc, badKind, subject)] };

  const apiVersion = value.apiVersion as string;
  const kind = value.kind as string;
  const problems: LocatedProblem[] = [...checkMetadata(value)];
  const checked: Record<string, unknown> = { ...value };
  if ('status' in checked) {
    problems.push({
      path: ['status'],
      severity: 'warning',
      message: 'status: written by the controller, ignored here; remove it',
      target: 'key',
    });
    delete checked.status;
  }
  problems.push(
    ...validator
      .validate(apiVersion, kind, checked)
      .map((p): LocatedProblem => ({ ...p, severity: p.severity ?? 'error' })),
  );
  problems.push(...findMisplacedPlaceholders(checked));
  const obj = checked as unknown as KubeObject;
  problems.push(...(isManagedKind(kind) ? handlerFor(kind).validate(obj) : validateApproval(obj)));
  const issues = problems.map((p) => toIssue(doc, p, subject));
  if (problems.some((p) => p.severity === 'error')) return { issues };

  if (!isManagedKind(kind)) {
    const approval: ApprovalManifest = { ...approvalSpecOf(obj), file: doc.file, line: doc.line };
    rememberOrigin(approval, doc);
    return { approval, issues };
  }
  const built = buildObject(doc, kind, obj, validator, subject);
  return { ...built, issues: [...issues, ...built.issues] };
}

/** The object as modsync will apply it: converted, without namespace; its conversion re-checked. */
function buildObject(
  doc: ManifestDoc,
  kind: ManagedKind,
  written: KubeObject,
  validator: CrdValidator,
  subject: string | undefined,
): DocResult {
  const { object, warnings } = handlerFor(kind).toApplied(written);
  const issues = warnings.map((w) => toIssue(doc, w, subject));
  if (object.metadata.namespace !== undefined) {
    object.metadata = { ...object.metadata };
    delete object.metadata.namespace;
  }
  // A conversion must produce what the written version's schema accepts; say so if not.
  if (object.apiVersion !== written.apiVersion) {
    for (const p of validator.validate(object.apiVersion, kind, object)) {
      issues.push(
        toIssue(
          doc,
          { ...p, severity: 'error', message: `after conversion to ${object.apiVersion}: ${p.message}` },
          subject,
        ),
      );
    }
  }
  if (issues.some((i) => i.severity === 'error')) return { issues };
  const desired: DesiredObject = {
    id: { kind, name: object.metadata.name },
    object,
    source: doc.value as unknown as KubeObject,
    file: doc.file,
    line: doc.line,
    col: doc.col,
  };
  rememberOrigin(desired, doc);
  return { object: desired, issues };
}
