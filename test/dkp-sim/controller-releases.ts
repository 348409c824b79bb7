/**
 * The ModuleRelease side of the simulated controller: decide for each Pending release whether
 * it deploys now, the way Deckhouse's release controller does (`internal/controller/modules/
 * release/pending.go` and the release updater): update policy by label, approval for Manual
 * and for AutoPatch minors, update windows on the sim clock, one step at a time, the previous
 * release Superseded. Disabling a module deletes its Pending releases.
 */
import { compareVersions, parseVersion } from './catalog.ts';
import {
  annotationsOf, deleting, dig, inWindow, labelsOf, nextWindowStart, policyByName, policyForModule, rfc3339, rfc822, setMeta,
  str, truthy, updateIfChanged, type ResolvedPolicy,
} from './controller-objects.ts';
import { unmetRequirement } from './controller-requirements.ts';
import type { InternalApi, JsonMap, Obj } from './types.ts';

const POLICY_LABEL = 'modules.deckhouse.io/update-policy';
const APPROVED = 'modules.deckhouse.io/approved';
const APPROVAL_MESSAGE = `Release is waiting for the '${APPROVED}: "true"' annotation`;

/** Reconcile the releases of every module. `isReady(module)` tells whether the module's phase is Ready. */
export function reconcileReleases(api: InternalApi, isReady: (module: string) => boolean): void {
  const byModule = new Map<string, Obj[]>();
  for (const release of api.list('modulereleases')) {
    if (deleting(release)) continue;
    const module = str(release, ['spec', 'moduleName']) ?? String(labelsOf(release)['module'] ?? '');
    const list = byModule.get(module);
    if (list) list.push(release);
    else byModule.set(module, [release]);
  }
  for (const [module, releases] of byModule) {
    releases.sort((a, b) => compareVersions(versionOf(a), versionOf(b)));
    reconcileModule(api, module, releases, isReady(module));
  }
}

function reconcileModule(api: InternalApi, module: string, releases: Obj[], moduleReady: boolean): void {
  const mc = api.get('moduleconfigs', module);
  const enabled = !!mc && !deleting(mc) && dig(mc, ['spec', 'enabled']) === true;
  const chosenSource = str(mc, ['spec', 'source']);
  let deployed = releases.find((r) => phaseOf(r) === 'Deployed');
  let previousPending: Obj | undefined;
  let ready = moduleReady;
  let stepTaken = false;
  // One step at a time: after a deploy the module reinstalls and the rest wait for later passes.
  const step = (release: Obj, approved: boolean): void => {
    deploy(api, release, deployed, approved);
    deployed = api.get('modulereleases', release.metadata.name);
    previousPending = undefined;
    ready = false;
    stepTaken = true;
  };

  for (const release of releases) {
    if (phaseOf(release) !== 'Pending') continue;
    const source = String(labelsOf(release)['source'] ?? '');
    if (!enabled || (chosenSource && chosenSource !== source)) {
      api.remove('modulereleases', release.metadata.name); // Pending releases of a disabled (or switched) module go away
      continue;
    }
    if (deployed && compareVersions(versionOf(release), versionOf(deployed)) <= 0) {
      setPhase(api, release, 'Skipped', '');
      continue;
    }
    const policy = resolvePolicy(api, release, module);
    if (!policy) {
      setPending(api, release, `Update policy ${String(labelsOf(release)[POLICY_LABEL])} not found`, undefined);
      previousPending ??= release;
      continue;
    }
    const approved = truthy(annotationsOf(release)[APPROVED]);
    const approvedStatus = policy.mode === 'Manual' ? approved : undefined;
    if (forced(release) && !stepTaken) {
      step(release, approved); // skips every check, the queue included; older Pending ones become Skipped
      continue;
    }
    if (previousPending) {
      setPending(api, release, `awaiting for v${versionOf(previousPending)} release to be deployed`, approvedStatus);
      continue;
    }
    previousPending = release;
    const verdict = decide(api, release, deployed, policy, approved, ready);
    if (verdict !== undefined || stepTaken) {
      setPending(api, release, verdict ?? '', approvedStatus);
      continue;
    }
    step(release, approved || policy.mode === 'Auto' || !deployed);
  }
}

/** Why the release waits, or undefined when it deploys now. */
function decide(api: InternalApi, release: Obj, deployed: Obj | undefined, policy: ResolvedPolicy, approved: boolean, moduleReady: boolean): string | undefined {
  const annotations = annotationsOf(release);
  const next = parseVersion(versionOf(release));
  const current = deployed ? parseVersion(versionOf(deployed)) : undefined;
  const patch = !!next && !!current && next.major === current.major && next.minor === current.minor;
  if (deployed && !patch && !moduleReady) return `awaiting for module v${versionOf(deployed)} to be ready`;
  const unmet = unmetRequirement(release);
  if (unmet) return unmet;
  if (!deployed) return undefined; // the module's first release lands at once (apply-now)
  const needsApproval = policy.mode === 'Manual' || (policy.mode === 'AutoPatch' && !patch);
  const now = api.now();
  const windowOk = truthy(annotations['modules.deckhouse.io/apply-now']) || inWindow(policy.windows, now);
  const until = windowOk ? '' : rfc822(nextWindowStart(policy.windows, now));
  if (needsApproval && !approved) {
    if (!windowOk) return `Release is waiting for the update window, waiting for the '${APPROVED}: "true"' annotation. After approval the release will be delayed until ${until}`;
    return APPROVAL_MESSAGE;
  }
  if (!windowOk) return `Release is waiting for the update window until ${until}`;
  return undefined;
}

/** The policy named by the release's label; a missing/empty label is resolved again and written back. */
function resolvePolicy(api: InternalApi, release: Obj, module: string): ResolvedPolicy | undefined {
  const label = labelsOf(release)[POLICY_LABEL];
  if (typeof label === 'string' && label !== '') return policyByName(api, label);
  const policy = policyForModule(api, module);
  updateIfChanged(api, 'modulereleases', release.metadata.name, (obj) => setMeta(obj, 'labels', POLICY_LABEL, policy.name));
  return policy;
}

function deploy(api: InternalApi, release: Obj, previous: Obj | undefined, approved: boolean): void {
  if (previous) setPhase(api, previous, 'Superseded', '');
  updateIfChanged(api, 'modulereleases', release.metadata.name, (obj) => {
    setMeta(obj, 'labels', 'status', 'deployed');
    for (const once of ['modules.deckhouse.io/apply-now', 'modules.deckhouse.io/force', 'release.deckhouse.io/force', 'modules.deckhouse.io/reinstall']) {
      setMeta(obj, 'annotations', once, undefined);
    }
  });
  const version = parseVersion(versionOf(release));
  const size = version ? 40_000_000 + version.minor * 1_000_000 + version.patch * 4096 : 40_000_000;
  updateIfChanged(api, 'modulereleases', release.metadata.name, (obj) => {
    obj.status = {
      phase: 'Deployed', approved, message: '', transitionTime: rfc3339(api.now()), size, pullDuration: '2.512s',
    };
  }, 'status');
}

/** Move a release to a final phase (Superseded, Skipped) with its `status` label. */
function setPhase(api: InternalApi, release: Obj, phase: string, message: string): void {
  updateIfChanged(api, 'modulereleases', release.metadata.name, (obj) => setMeta(obj, 'labels', 'status', phase.toLowerCase()));
  updateIfChanged(api, 'modulereleases', release.metadata.name, (obj) => {
    const status = (obj.status ?? {}) as JsonMap;
    const changed = status.phase !== phase;
    obj.status = { ...status, phase, message, ...(changed ? { transitionTime: rfc3339(api.now()) } : {}) };
  }, 'status');
}

/** Keep a release Pending with a message (and, under Manual, the mirrored approval). */
function setPending(api: InternalApi, release: Obj, message: string, approved: boolean | undefined): void {
  updateIfChanged(api, 'modulereleases', release.metadata.name, (obj) => {
    const status = (obj.status ?? {}) as JsonMap;
    const next: JsonMap = { ...status, phase: 'Pending', message };
    if (status.phase !== 'Pending' || !status.transitionTime) next.transitionTime = rfc3339(api.now());
    next.approved = approved ?? (typeof status.approved === 'boolean' ? status.approved : false);
    next.size ??= 0;
    next.pullDuration ??= '0s';
    obj.status = next;
  }, 'status');
}

/** Either force annotation (Deckhouse accepts both keys). */
function forced(release: Obj): boolean {
  const annotations = annotationsOf(release);
  return truthy(annotations['modules.deckhouse.io/force']) || truthy(annotations['release.deckhouse.io/force']);
}

/** A release's phase; a release the controller has not looked at yet counts as Pending. */
export function phaseOf(release: Obj): string {
  return str(release, ['status', 'phase']) || 'Pending';
}

function versionOf(release: Obj): string {
  return str(release, ['spec', 'version']) ?? '';
}
