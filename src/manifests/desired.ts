/**
 * The desired state as the loader finds it in git: objects with where they are written, the
 * approval files, and every problem met.
 */
import type { KubeObject, ManagedObjectId } from '../core/object.ts';
import type { Issue } from './issues.ts';

/** One object of the desired state. */
export interface DesiredObject {
  id: ManagedObjectId;
  /** As modsync will apply it: converted to the write apiVersion, placeholders NOT yet resolved. */
  object: KubeObject;
  /** As written in git. */
  source: KubeObject;
  /** Relative to the repository root, posix. */
  file: string;
  line: number;
  col: number;
}

/** A `modsync.io/v1alpha1 ModuleReleaseApproval` found in git. */
export interface ApprovalManifest {
  name: string;
  module: string;
  /** Exact version, without a leading `v`. */
  version?: string;
  /** A semver range pre-approving matching releases. */
  versions?: string;
  file: string;
  line: number;
}

/** Everything the root holds, with every problem found. */
export interface DesiredState {
  objects: DesiredObject[];
  approvals: ApprovalManifest[];
  issues: Issue[];
  /** Manifest files read. */
  files: number;
}
