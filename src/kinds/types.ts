/**
 * One handler per managed kind, registered in `registry.ts`, so stages stay generic: the
 * loader asks it for kind-specific validation, the planner for drift and destructive rules.
 */
import type { DestructiveReason } from '../core/change-set.ts';
import type { DriftRules } from '../core/diff.ts';
import type { ManagedKind } from '../core/kinds.ts';
import type { KubeObject } from '../core/object.ts';

import type { ObjectPath } from '../core/object-path.ts';

export type { ObjectPath };

/** A kind-specific problem found in a manifest; the loader turns the path into file:line:col. */
export interface KindProblem {
  path: ObjectPath;
  message: string;
  severity: 'error' | 'warning';
}

/** A reference from one object to another (ModuleConfig → ModuleSource / ModuleUpdatePolicy). */
export interface Reference {
  kind: ManagedKind;
  name: string;
  path: ObjectPath;
}

export interface KindHandler extends DriftRules {
  kind: ManagedKind;
  /** apiVersions accepted in git; the first one is what modsync writes. */
  apiVersions: readonly string[];
  /** Rules beyond the CRD schema (window order, name rules, forbidden values). */
  validate(obj: KubeObject): KindProblem[];
  /**
   * The object modsync applies for a manifest as written in git (e.g. a v1alpha1
   * ModuleUpdatePolicy converted to v1alpha2), with warnings about the conversion.
   */
  toApplied(obj: KubeObject): { object: KubeObject; warnings: KindProblem[] };
  /** Objects this one refers to; they must exist in git or in the cluster. */
  references(obj: KubeObject): Reference[];
  /**
   * Why changing `live` (undefined: a create) into `next` is destructive, if it is. Deletes are
   * always destructive. `ctx` carries the cluster facts a kind needs (a ModuleConfig's Module).
   */
  destructive(live: KubeObject | undefined, next: KubeObject, ctx?: KindContext): DestructiveReason | undefined;
  /**
   * The Module that must exist before the object can be written, if any: Deckhouse's webhook
   * rejects enabling a module it does not know yet.
   */
  requiredModule?(obj: KubeObject): string | undefined;
}

/** Cluster facts a kind's rules may need, looked up by the planner from the LISTs it has. */
export interface KindContext {
  /** The `Module` named like the object (ModuleConfig), when it exists. */
  module?: KubeObject;
}
