/**
 * The ModuleSource side of the simulated controller: scan the (fake) registry, record what it
 * offers in `status.modules`, keep the finalizers and the registry checksum annotation, create
 * the ModuleRelease chain for modules enabled from this source, and hold deletion while a
 * release of the source is deployed. Mirrors `internal/controller/modules/source/` of Deckhouse.
 */
import { createHash } from 'node:crypto';
import {
  allVersions,
  channelHead,
  compareVersions,
  findRegistry,
  imageDigest,
  parseVersion,
  pullErrorText,
  unknownRepoError,
  type Catalog,
  type CatalogModule,
} from './catalog.ts';
import {
  deleting,
  dig,
  finalizersOf,
  labelsOf,
  policyForModule,
  releasesByModule,
  rfc3339,
  setMeta,
  str,
  updateIfChanged,
  writeStatus,
  type ResolvedPolicy,
} from './controller-objects.ts';
import type { InternalApi, JsonMap, Obj } from './types.ts';

const FINALIZERS = ['modules.deckhouse.io/release-exists', 'modules.deckhouse.io/module-exists'];
const CHECKSUM_ANNOTATION = 'modules.deckhouse.io/registry-spec-checksum';
const ERRORS_MESSAGE = 'Some errors occurred. Inspect status for details';
const DELETE_BLOCKED_MESSAGE =
  'The source contains at least 1 deployed release and cannot be deleted. Please delete target ModuleReleases manually to continue';
const DEFAULT_SCAN_MS = 3 * 60_000;

/** What the controller remembers between passes about each source's last scan. */
export interface ScanMemory {
  fingerprint: string;
  at: number;
}

/** Reconcile every ModuleSource: deletion, rescans when due, release chains. */
export function reconcileSources(api: InternalApi, catalog: Catalog, memory: Map<string, ScanMemory>): void {
  for (const source of api.list('modulesources')) {
    if (deleting(source)) handleDelete(api, source);
    else if (scanDue(api, catalog, source, memory)) scan(api, catalog, source);
  }
  collectOrphanReleases(api);
}

/** Scan one source right now, whatever the schedule says (used when seeding). */
export function scanSource(api: InternalApi, catalog: Catalog, name: string, memory: Map<string, ScanMemory>): void {
  const source = api.get('modulesources', name);
  if (!source) return;
  scanDue(api, catalog, source, memory);
  scan(api, catalog, source);
}

/**
 * A rescan is due when anything the scan depends on changed (registry spec, catalog, module
 * configs, policies, overrides) — Deckhouse watches these — or the scan interval passed on the
 * sim clock (3m, or `spec.scanInterval` when longer).
 */
function scanDue(api: InternalApi, catalog: Catalog, source: Obj, memory: Map<string, ScanMemory>): boolean {
  const key = String(source.metadata.uid ?? source.metadata.name);
  const fingerprint = JSON.stringify([
    dig(source, ['spec', 'registry']),
    catalog.revision,
    api.list('moduleconfigs').map((mc) => [mc.metadata.name, mc.spec ?? null, deleting(mc)]),
    api.list('moduleupdatepolicies').map((p) => [p.metadata.name, p.spec ?? null]),
    api.list('modulepulloverrides').map((o) => o.metadata.name),
    api.list('modulereleases').length,
  ]);
  const now = api.now().getTime();
  const last = memory.get(key);
  const interval = Math.max(DEFAULT_SCAN_MS, durationMs(str(source, ['spec', 'scanInterval'])));
  if (last && last.fingerprint === fingerprint && now - last.at < interval) return false;
  memory.set(key, { fingerprint, at: now });
  return true;
}

function scan(api: InternalApi, catalog: Catalog, source: Obj): void {
  const name = source.metadata.name;
  const repo = str(source, ['spec', 'registry', 'repo']) ?? '';
  const checksum = createHash('md5')
    .update(JSON.stringify(dig(source, ['spec', 'registry']) ?? {}))
    .digest('hex');
  updateIfChanged(api, 'modulesources', name, (obj) => setMeta(obj, 'annotations', CHECKSUM_ANNOTATION, checksum));

  const registry = findRegistry(catalog, repo);
  const previous = (dig(source, ['status']) ?? {}) as JsonMap;
  const syncTime = rfc3339(api.now());
  if (!registry || registry.error) {
    const message = registry?.error ?? unknownRepoError(repo);
    writeStatus(api, 'modulesources', name, { ...previous, phase: 'Active', syncTime, message });
    return;
  }

  let errors = false;
  const entries: JsonMap[] = [];
  const releases = releasesByModule(api);
  const offering = sourcesOffering(api);
  for (const mod of [...registry.modules].sort((a, b) => a.name.localeCompare(b.name))) {
    const policy = policyForModule(api, mod.name);
    const entry: JsonMap = { name: mod.name };
    if (policy.name) entry.policy = policy.name;
    if (api.get('modulepulloverrides', mod.name)) {
      entry.overridden = true;
      entries.push(entry);
      continue;
    }
    const head = channelHead(mod, policy.releaseChannel);
    // No version on the policy's channel means the channel tag does not exist: MANIFEST_UNKNOWN too.
    const pullError = pullErrorText(repo, head ? mod : { ...mod, pullError: true }, policy.releaseChannel);
    if (pullError || !head) {
      entry.version = 'unknown';
      entry.error = pullError ?? '';
      entry.pullError = pullError ?? ''; // the docs' jsonpath recipe reads this deprecated alias
      errors = true;
    } else {
      entry.version = `v${head}`;
      entry.checksum = imageDigest(repo, mod.name, head);
      if (releasesWanted(api, name, mod.name, offering))
        ensureReleases(api, source, repo, mod, head, policy, releases.get(mod.name) ?? []);
    }
    entries.push(entry);
  }

  // Go's omitempty on ModuleSourceStatus: a zero count, an empty list and an empty message are left out.
  const status: JsonMap = { phase: 'Active', syncTime };
  if (entries.length > 0) Object.assign(status, { modulesCount: entries.length, modules: entries });
  if (errors) status.message = ERRORS_MESSAGE;
  writeStatus(api, 'modulesources', name, status);
  updateIfChanged(api, 'modulesources', name, (obj) => {
    const have = finalizersOf(obj);
    obj.metadata.finalizers = [...have, ...FINALIZERS.filter((f) => !have.includes(f))];
  });
}

/**
 * Releases are fetched only for a module enabled by its ModuleConfig that takes this source:
 * named in `spec.source`, or the only source offering it.
 */
function releasesWanted(
  api: InternalApi,
  sourceName: string,
  module: string,
  offering: Map<string, Set<string>>,
): boolean {
  const mc = api.get('moduleconfigs', module);
  if (!mc || deleting(mc) || dig(mc, ['spec', 'enabled']) !== true) return false;
  const chosen = str(mc, ['spec', 'source']);
  if (chosen) return chosen === sourceName;
  const others = [...(offering.get(module) ?? [])].filter((s) => s !== sourceName);
  return others.length === 0;
}

/** Module name → the sources whose last scan listed it. */
function sourcesOffering(api: InternalApi): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const source of api.list('modulesources')) {
    for (const entry of (dig(source, ['status', 'modules']) ?? []) as JsonMap[]) {
      const name = String(entry.name);
      out.set(name, (out.get(name) ?? new Set()).add(source.metadata.name));
    }
  }
  return out;
}

/**
 * Create the releases from the end of the module's chain up to the channel's version: the
 * newest patch of every minor in between (so no minor is skipped), or just the channel's
 * version when the module has no release yet (that first one is marked apply-now).
 */
function ensureReleases(
  api: InternalApi,
  source: Obj,
  repo: string,
  mod: CatalogModule,
  target: string,
  policy: ResolvedPolicy,
  releases: Obj[],
): void {
  const existing = releases.filter((r) => !deleting(r));
  const live = existing.filter((r) => ['Deployed', 'Pending', undefined].includes(str(r, ['status', 'phase'])));
  if (existing.length === 0) {
    createRelease(api, source, repo, mod, target, policy, 'no releases in cluster', true);
    return;
  }
  const end = live
    .map((r) => str(r, ['spec', 'version']) ?? '')
    .sort(compareVersions)
    .at(-1);
  if (!end || compareVersions(end, target) >= 0) return;
  const groups = new Map<string, string>();
  for (const v of allVersions(mod)) {
    if (compareVersions(v, end) <= 0 || compareVersions(v, target) > 0) continue;
    const p = parseVersion(v)!;
    groups.set(`${p.major}.${p.minor}`, v); // ascending order: the last one per minor wins
  }
  for (const v of groups.values()) createRelease(api, source, repo, mod, v, policy, 'step-by-step', false);
}

function createRelease(
  api: InternalApi,
  source: Obj,
  repo: string,
  mod: CatalogModule,
  version: string,
  policy: ResolvedPolicy,
  cause: string,
  first: boolean,
): void {
  const name = `${mod.name}-v${version}`;
  if (api.get('modulereleases', name)) return;
  const digest = imageDigest(repo, mod.name, version);
  const annotations: JsonMap = { 'modules.deckhouse.io/change-cause': `check release (${cause})` };
  if (first) annotations['modules.deckhouse.io/apply-now'] = 'true';
  const spec: JsonMap = { moduleName: mod.name, version };
  if (mod.weight !== undefined) spec.weight = mod.weight;
  if (mod.requirements) spec.requirements = mod.requirements as JsonMap;
  const changelog = mod.changelog?.[version];
  if (changelog) spec.changelog = changelog;
  api.create('modulereleases', {
    apiVersion: 'deckhouse.io/v1alpha1',
    kind: 'ModuleRelease',
    metadata: {
      name,
      annotations,
      labels: {
        module: mod.name,
        source: source.metadata.name,
        'release-checksum': createHash('md5').update(digest).digest('hex'),
        'modules.deckhouse.io/update-policy': policy.name,
      },
      ownerReferences: [
        {
          apiVersion: 'deckhouse.io/v1alpha1',
          kind: 'ModuleSource',
          name: source.metadata.name,
          uid: String(source.metadata.uid ?? ''),
          controller: true,
        },
      ],
    },
    spec,
  });
}

/** Deletion: Terminating, then held by the finalizer while one of the source's releases is deployed. */
function handleDelete(api: InternalApi, source: Obj): void {
  const name = source.metadata.name;
  const status = (source.status ?? {}) as JsonMap;
  writeStatus(api, 'modulesources', name, { ...status, phase: 'Terminating' });
  const forced = (source.metadata.annotations as JsonMap | undefined)?.['modules.deckhouse.io/force-delete'] === 'true';
  const blocked =
    !forced &&
    finalizersOf(source).includes(FINALIZERS[0]!) &&
    api.list('modulereleases').some((r) => labelsOf(r).source === name && str(r, ['status', 'phase']) === 'Deployed');
  if (blocked) {
    writeStatus(api, 'modulesources', name, { ...status, phase: 'Terminating', message: DELETE_BLOCKED_MESSAGE });
    return;
  }
  updateIfChanged(api, 'modulesources', name, (obj) => {
    obj.metadata.finalizers = finalizersOf(obj).filter((f) => !FINALIZERS.includes(f));
  });
}

/** The garbage collector's part: releases whose owning source is gone are deleted. */
function collectOrphanReleases(api: InternalApi): void {
  const uids = new Set(api.list('modulesources').map((s) => String(s.metadata.uid ?? '')));
  for (const release of api.list('modulereleases')) {
    const owners = (release.metadata.ownerReferences ?? []) as JsonMap[];
    const owner = owners.find((o) => o.kind === 'ModuleSource');
    if (owner && !uids.has(String(owner.uid)) && !deleting(release))
      api.remove('modulereleases', release.metadata.name);
  }
}

/** A Go duration like `6h30m` or `90s` in milliseconds (0 when absent or unparsable). */
function durationMs(text: string | undefined): number {
  const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(text ?? '');
  if (!m || !text) return 0;
  return ((Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0)) * 60 + Number(m[3] ?? 0)) * 1000;
}
