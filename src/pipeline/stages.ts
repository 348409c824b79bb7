/**
 * What a run needs once git and the cluster have answered: the stages from load to report and
 * what they use. run.ts imports this module only after its first requests are on their way, so
 * that loading it (YAML, the validators, the planner, semver: several ms of a CronJob run)
 * overlaps the wait for the answers instead of delaying the requests.
 */
export { decideApprovals } from '../approvals/releases.ts';
export { schemaInfoFromSchemas } from '../core/schema-info.ts';
export { loadCrdSchemas } from '../manifests/crd-schema.ts';
export { applyStage } from './apply.ts';
export { approveStage } from './approve.ts';
export { checkPlan, clusterSchemaCheck, pendingApplies, refusedMessage } from './check.ts';
export { afterWrites } from './live.ts';
export { loadDesiredState } from './load.ts';
export { lockStage } from './lock.ts';
export { planLocally, tryPlanLocally, writesAhead } from './plan-local.ts';
export { pruneStage } from './prune.ts';
export { reportStage } from './report.ts';
export { requestStage } from './request.ts';
export { validateStage } from './validate.ts';
