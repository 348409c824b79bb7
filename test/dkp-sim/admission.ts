/**
 * Deckhouse admission rules (stub; filled in shortly).
 */
import type { AdmissionRequest, AdmissionResult, ClusterView } from './types.ts';

/** Decide one write: webhooks and ValidatingAdmissionPolicies of Deckhouse. */
export function admit(_req: AdmissionRequest, _view: ClusterView): AdmissionResult {
  return { allowed: true, warnings: [] };
}
