/**
 * The ModuleRelease side of the simulated controller: decide for each Pending release whether
 * it deploys now, the way Deckhouse's module release controller does (deckhouse/deckhouse
 * `deckhouse-controller/internal/controller/modules/release/pending.go` and `deploy.go`):
 * resolve the update policy by label, mirror the approval under Manual, ask the task calculator
 * (controller-release-task.ts: Skip / Await / Process), deploy a forced release past every
 * check, hold a minor while the module is not Ready, check requirements, then the deploy-time
 * rules (controller-release-time.ts). Deploying supersedes the deployed release. One deploy per
 * module per pass (the module reinstalls in between). Disabling a module deletes its Pending
 * releases.
 */
import { compareVersions } from './catalog.ts';
import {
  annotationsOf,
  deleting,
  dig,
  labelsOf,
  policyByName,
  policyForModule,
  rfc3339,
  setMeta,
  str,
  truthy,
  updateIfChanged,
  type ResolvedPolicy,
} from './controller-objects.ts';
import {
  calculateTask,
  constraintEndpoint,
  forced,
  phaseOf,
  versionOf,
  type ReleaseTask,
} from './controller-release-task.ts';
import { APPROVED_ANNOTATION, deployDelay } from './controller-release-time.ts';
import { type Platform, unmetRequirement } from './controller-requirements.ts';
import type { InternalApi, JsonMap, Obj } from './types.ts';

const POLICY_LABEL = 'modules.deckhouse.io/update-policy';
const APPLY_NOW = 'modules.deckhouse.io/apply-now';
const IGNORED = `Update disabled by 'Ignore' update policy`;

/** Reconcile the releases of every module. `isReady(module)` tells whether the module's phase is Ready. */
export function reconcileReleases(api: InternalApi, isReady: (module: string) => boolean, platform: Platform): void {
  for (const module of new Set(
    api
      .list('modulereleases')
      .filter((r) => !deleting(r))
      .map(moduleOf),
  )) {
    reconcileModule(api, module, isReady(module), platform);
  }
}

function moduleOf(release: Obj): string {
  return str(release, ['spec', 'moduleName']) ?? String(labelsOf(release).module ?? '');
}

/** The module's live releases, oldest version first (what `listModuleReleases` + ByVersion give). */
function releasesOf(api: InternalApi, module: string): Obj[] {
  const list = api.list('modulereleases').filter((r) => !deleting(r) && moduleOf(r) === module);
  return list.sort((a, b) => compareVersions(versionOf(a), versionOf(b)));
}

function reconcileModule(api: InternalApi, module: string, moduleReady: boolean, platform: Platform): void {
  const mc = api.get('moduleconfigs', module);
  const enabled = !!mc && !deleting(mc) && dig(mc, ['spec', 'enabled']) === true;
  const chosenSource = str(mc, ['spec', 'source']);
  const start = releasesOf(api, module);
  const pending = start.filter((r) => phaseOf(r) === 'Pending').map((r) => r.metadata.name);
  // A from-to endpoint is looked at first: it deploys before the releases it jumps over, which
  // are Skipped once it is the deployed one (pending.go reconciles releases independently).
  const deployedIdx = start.findIndex((r) => phaseOf(r) === 'Deployed');
  const endpoint = deployedIdx >= 0 ? start[constraintEndpoint(start, deployedIdx)]?.metadata.name : undefined;
  if (endpoint && pending.includes(endpoint)) pending.sort((a, b) => Number(b === endpoint) - Number(a === endpoint));
  let stepTaken = false;
  for (const name of pending) {
    const release = api.get('modulereleases', name);
    if (!release || deleting(release) || phaseOf(release) !== 'Pending') continue;
    if (!enabled || (chosenSource && chosenSource !== String(labelsOf(release).source ?? ''))) {
      api.remove('modulereleases', name); // Pending releases of a disabled (or switched) module go away
      continue;
    }
    const policy = resolvePolicy(api, release, module);
    if (!policy) {
      setPending(api, name, `Update policy ${String(labelsOf(release)[POLICY_LABEL])} not found`);
      continue;
    }
    if (policy.mode === 'Ignore') {
      setPending(api, name, IGNORED);
      continue;
    }
    const approved = truthy(annotationsOf(release)[APPROVED_ANNOTATION]);
    if (policy.mode === 'Manual') setApproved(api, name, approved);
    const task = calculateTask(releasesOf(api, module), release, policy.releaseChannel);
    if (!task) continue;
    if (forced(release) && !stepTaken) {
      deploy(api, name, task.deployed ?? releasesOf(api, module).find((r) => phaseOf(r) === 'Deployed'));
      stepTaken = true; // forced: no window, requirement, approval or readiness check
      continue;
    }
    if (task.type === 'Skip') setFinal(api, name, 'Skipped', task.message);
    else if (task.type === 'Await') setPending(api, name, task.message);
    // After a deploy this pass the module reinstalls: minors see it not Ready, patches wait a pass.
    else if (!stepTaken || (!task.isPatch && !task.isSingle)) {
      stepTaken = processRelease(api, release, task, policy, moduleReady && !stepTaken, platform) || stepTaken;
    }
  }
}

/** The Process branch of pending.go: readiness, requirements, deploy time; true when it deployed. */
function processRelease(
  api: InternalApi,
  release: Obj,
  task: ReleaseTask,
  policy: ResolvedPolicy,
  moduleReady: boolean,
  platform: Platform,
): boolean {
  const name = release.metadata.name;
  if (!task.isSingle && !task.isPatch && !moduleReady) {
    const which = task.deployed ? ` v${versionOf(task.deployed)}` : '';
    setPending(api, name, `awaiting for module${which} to be ready`);
    return false;
  }
  const unmet = unmetRequirement(release, platform);
  if (unmet) {
    setPending(api, name, unmet);
    return false;
  }
  const annotations = annotationsOf(release);
  const applyAfter = str(release, ['spec', 'applyAfter']);
  const delay = deployDelay({
    mode: policy.mode,
    windows: policy.windows,
    now: api.now(),
    isPatch: task.isPatch,
    applyNow: annotations[APPLY_NOW] === 'true',
    approved: truthy(annotations[APPROVED_ANNOTATION]),
    ...(applyAfter ? { applyAfter: new Date(applyAfter) } : {}),
  });
  if (delay !== undefined) {
    setPending(api, name, delay);
    return false;
  }
  deploy(api, name, task.deployed);
  return true;
}

/** The policy named by the release's label; a missing/empty label is resolved again and written back. */
function resolvePolicy(api: InternalApi, release: Obj, module: string): ResolvedPolicy | undefined {
  const label = labelsOf(release)[POLICY_LABEL];
  if (typeof label === 'string' && label !== '') return policyByName(api, label);
  const policy = policyForModule(api, module);
  updateIfChanged(api, 'modulereleases', release.metadata.name, (obj) =>
    setMeta(obj, 'labels', POLICY_LABEL, policy.name),
  );
  return policy;
}

/** runReleaseDeploy (deploy.go): the deployed one Superseded, this one Deployed, one-shot annotations spent. */
function deploy(api: InternalApi, name: string, previous: Obj | undefined): void {
  if (previous && previous.metadata.name !== name) setFinal(api, previous.metadata.name, 'Superseded', '');
  updateIfChanged(api, 'modulereleases', name, (obj) => {
    setMeta(obj, 'labels', 'status', 'deployed');
    for (const once of [APPLY_NOW, 'modules.deckhouse.io/force', 'modules.deckhouse.io/reinstall']) {
      if (annotationsOf(obj)[once] === 'true') setMeta(obj, 'annotations', once, undefined);
    }
  });
  const release = api.get('modulereleases', name);
  const [, minor = 0, patch = 0] = (release ? versionOf(release) : '').split('.').map(Number);
  updateIfChanged(
    api,
    'modulereleases',
    name,
    (obj) => {
      const status = (obj.status ?? {}) as JsonMap;
      obj.status = {
        ...status,
        phase: 'Deployed',
        message: '',
        transitionTime: rfc3339(api.now()),
        size: 40_000_000 + minor * 1_000_000 + patch * 4096,
        pullDuration: '2.512s',
        approved: typeof status.approved === 'boolean' ? status.approved : false,
      };
    },
    'status',
  );
}

/** Move a release to a final phase (Superseded, Skipped) with its `status` label. */
function setFinal(api: InternalApi, name: string, phase: string, message: string): void {
  updateIfChanged(api, 'modulereleases', name, (obj) => setMeta(obj, 'labels', 'status', phase.toLowerCase()));
  updateIfChanged(
    api,
    'modulereleases',
    name,
    (obj) => {
      const status = (obj.status ?? {}) as JsonMap;
      const changed = status.phase !== phase;
      obj.status = { ...status, phase, message, ...(changed ? { transitionTime: rfc3339(api.now()) } : {}) };
    },
    'status',
  );
}

/** Keep a release Pending with a message. */
function setPending(api: InternalApi, name: string, message: string): void {
  updateIfChanged(
    api,
    'modulereleases',
    name,
    (obj) => {
      const status = (obj.status ?? {}) as JsonMap;
      const next: JsonMap = { ...status, phase: 'Pending', message };
      if (status.phase !== 'Pending' || !status.transitionTime) next.transitionTime = rfc3339(api.now());
      next.approved = typeof status.approved === 'boolean' ? status.approved : false;
      next.size ??= 0;
      next.pullDuration ??= '0s';
      obj.status = next;
    },
    'status',
  );
}

/** patchManualRelease: under Manual, `status.approved` mirrors the approval annotation. */
function setApproved(api: InternalApi, name: string, approved: boolean): void {
  updateIfChanged(
    api,
    'modulereleases',
    name,
    (obj) => {
      obj.status = { ...((obj.status ?? {}) as JsonMap), approved };
    },
    'status',
  );
}
