/**
 * ModuleReleaseApproval (`modsync.io/v1alpha1`): modsync's own git-only kind. One file per
 * release approves it (`version`), or pre-approves a semver range (`versions`). It is never
 * applied to the cluster; the approve stage matches it against Pending ModuleReleases, whose
 * names are `<module>-v<version>` — so an exact approval must carry that name, or a reviewer
 * could merge a file whose name says one release while it approves another.
 */
import validVersion from 'semver/functions/valid.js';
import validRange from 'semver/ranges/valid.js';
import type { KubeObject } from '../core/object.ts';
import { getPath } from '../core/values.ts';
import { MODULE_NAME } from './module-config.ts';
import type { KindProblem } from './types.ts';

/** apiVersion and kind of approval files (modsync's own group; never sent to the cluster). */
export const APPROVAL_API_VERSION = 'modsync.io/v1alpha1';
export const APPROVAL_KIND = 'ModuleReleaseApproval';

/** Schema of the kind, validated like the CRDs (unknown fields are errors). */
export const APPROVAL_SCHEMA: Record<string, unknown> = {
  type: 'object',
  required: ['spec'],
  properties: {
    spec: {
      type: 'object',
      required: ['module'],
      properties: {
        module: { type: 'string' },
        version: { type: 'string' },
        versions: { type: 'string' },
      },
    },
  },
};

/** An approval file from git (`modsync.io/v1alpha1 ModuleReleaseApproval`): the one approval shape. */
export interface Approval {
  /** The ModuleRelease name it approves (for an exact version). */
  name: string;
  module: string;
  /** An exact version without a leading `v`, or */
  version?: string;
  /** a semver range that pre-approves matching releases. */
  versions?: string;
  /** Where it is in git (`file:line`), for messages. */
  file?: string;
}

function normalizedVersion(raw: string): string | undefined {
  const bare = raw.startsWith('v') ? raw.slice(1) : raw;
  return validVersion(bare) === bare ? bare : undefined;
}

/** Rules beyond the schema: module name, exactly one of version/versions, valid semver, name = `<module>-v<version>`. */
export function validateApproval(obj: KubeObject): KindProblem[] {
  const out: KindProblem[] = [];
  const module = getPath(obj, ['spec', 'module']);
  const version = getPath(obj, ['spec', 'version']);
  const versions = getPath(obj, ['spec', 'versions']);
  if (typeof module === 'string' && !MODULE_NAME.test(module)) {
    out.push({
      path: ['spec', 'module'],
      severity: 'error',
      message: `spec.module: "${module}" is not a module name (lowercase letters, digits and '-')`,
    });
  }
  if (version === undefined && versions === undefined) {
    out.push({
      path: ['spec'],
      severity: 'error',
      message: 'spec: set exactly one of version (one release) or versions (a semver range)',
    });
  } else if (version !== undefined && versions !== undefined) {
    out.push({
      path: ['spec', 'versions'],
      severity: 'error',
      message: 'spec: set exactly one of version or versions, not both',
    });
  }
  if (typeof version === 'string') {
    const bare = normalizedVersion(version);
    if (!bare) {
      out.push({
        path: ['spec', 'version'],
        severity: 'error',
        message: `spec.version: "${version}" is not a semantic version such as 1.2.5`,
      });
    } else {
      if (bare !== version)
        out.push({
          path: ['spec', 'version'],
          severity: 'warning',
          message: `spec.version: write ${bare} without the leading "v"`,
        });
      const expected = typeof module === 'string' ? `${module}-v${bare}` : undefined;
      if (expected && obj.metadata?.name !== expected) {
        out.push({
          path: ['metadata', 'name'],
          severity: 'error',
          message: `metadata.name: must be ${expected} (the ModuleRelease name for module ${module} version ${bare})`,
        });
      }
    }
  }
  if (typeof versions === 'string') {
    const range = validRange(versions);
    if (range === null) {
      out.push({
        path: ['spec', 'versions'],
        severity: 'error',
        message: `spec.versions: "${versions}" is not a semver range such as ">=1.2.5 <1.3.0"`,
      });
    } else if (range === '*' || range === '') {
      out.push({
        path: ['spec', 'versions'],
        severity: 'warning',
        message: `spec.versions: "${versions}" approves every release of the module`,
      });
    }
  }
  return out;
}

/** The approval's data, for the approve stage (call after validation passed). */
export function approvalSpecOf(obj: KubeObject): Approval {
  const version = getPath(obj, ['spec', 'version']);
  const versions = getPath(obj, ['spec', 'versions']);
  const out: Approval = { name: obj.metadata.name, module: String(getPath(obj, ['spec', 'module'])) };
  if (typeof version === 'string') out.version = normalizedVersion(version) ?? version;
  if (typeof versions === 'string') out.versions = versions;
  return out;
}
