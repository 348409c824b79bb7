/**
 * The Deckhouse objects' shapes, as the CRDs declare them (crds/deckhouse/). A manifest is
 * untyped input until the CRD schema check passed, so the kinds' `validate` rules read it with
 * `getPath`; everything after validation (drift, destructive changes, the planner's questions)
 * reads these types through `specOf`/`statusOf`. Only the fields modsync reasons about.
 */
import type { KubeObject } from '../core/object.ts';

/** `deckhouse.io/v1alpha1 ModuleSource` spec. */
export interface ModuleSourceSpec {
  registry?: { repo?: string; scheme?: 'HTTP' | 'HTTPS'; dockerCfg?: string; ca?: string };
  /** Deprecated and ignored by Deckhouse. */
  releaseChannel?: string;
  /** A Go duration, since Deckhouse 1.75. */
  scanInterval?: string;
}

/** One update window of a ModuleUpdatePolicy (or of ModuleConfig/deckhouse's settings). */
export interface UpdateWindow {
  from?: string;
  to?: string;
  days?: string[];
}

/** `deckhouse.io/v1alpha2 ModuleUpdatePolicy` spec. */
export interface ModuleUpdatePolicySpec {
  releaseChannel?: string;
  update?: { mode?: 'Auto' | 'AutoPatch' | 'Manual' | 'Ignore'; windows?: UpdateWindow[] };
}

/** `deckhouse.io/v1alpha1 ModuleConfig` spec. */
export interface ModuleConfigSpec {
  /** Unset: the bundle decides. */
  enabled?: boolean;
  version?: number;
  settings?: Record<string, unknown>;
  source?: string;
  updatePolicy?: string;
  maintenance?: string;
}

/** A condition of a Module's status. */
export interface ModuleCondition {
  type?: string;
  status?: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
}

/** `deckhouse.io/v1alpha1 Module` status (written by the controller). */
export interface ModuleStatus {
  phase?: string;
  conditions?: ModuleCondition[];
}

/** The spec of a validated object (or of a live one), typed by its kind; empty when absent. */
export function specOf<T>(obj: KubeObject | undefined): Partial<T> {
  return (obj?.spec ?? {}) as Partial<T>;
}

/** The status of a live object, typed; empty when absent. */
export function statusOf<T>(obj: KubeObject | undefined): Partial<T> {
  return (obj?.status ?? {}) as Partial<T>;
}
