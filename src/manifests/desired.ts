/**
 * The desired state as the loader finds it in git: objects with where they are written, the
 * approval files, and every problem met.
 */
import type { Approval } from '../kinds/approval.ts';
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

/** An approval file as the loader found it: the approval, and the file and line it starts at. */
export interface ApprovalManifest extends Approval {
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
  /**
   * Taken from the desired-state cache (an unchanged commit): field positions inside objects
   * are not known then, only where each object starts.
   */
  cached?: boolean;
}
