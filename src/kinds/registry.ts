/**
 * The one place that maps a managed kind to its handler, so pipeline stages stay generic:
 * they ask `handlerFor(kind)` instead of switching on kinds.
 */
import type { ManagedKind } from '../core/kinds.ts';
import { moduleConfigHandler } from './module-config.ts';
import { moduleSourceHandler } from './module-source.ts';
import { moduleUpdatePolicyHandler } from './module-update-policy.ts';
import type { KindHandler } from './types.ts';

/** Every handler, by kind. */
export const HANDLERS: Readonly<Record<ManagedKind, KindHandler>> = {
  ModuleSource: moduleSourceHandler,
  ModuleUpdatePolicy: moduleUpdatePolicyHandler,
  ModuleConfig: moduleConfigHandler,
};

/** The handler of a managed kind. */
export function handlerFor(kind: ManagedKind): KindHandler {
  return HANDLERS[kind];
}
