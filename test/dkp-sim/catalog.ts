/**
 * What the fake container registries offer: for each registry path (`ModuleSource.spec.registry.repo`)
 * the modules published there, their versions per release channel and the few failure modes
 * the DKP docs show (a module whose image cannot be pulled, one whose hooks fail). The
 * controller reads it on every scan; `publish()` adds versions at run time.
 */
import { createHash } from 'node:crypto';
import { parse } from 'yaml';
import type { JsonMap } from './types.ts';

/** Release channels from the least to the most stable (as in the ModuleUpdatePolicy CRD). */
export const CHANNELS = ['Alpha', 'Beta', 'EarlyAccess', 'Stable', 'RockSolid'] as const;

/** One of the release channels. */
export type Channel = (typeof CHANNELS)[number];

/** One module published in a registry. */
export interface CatalogModule {
  name: string;
  /**
   * Versions (semver, no `v`) first published on each channel. A version that reached a
   * channel is also on every less stable one, so `Alpha` sees everything listed for Stable.
   */
  channels: Partial<Record<Channel, string[]>>;
  /** The release image cannot be pulled: `true` for the registry's MANIFEST_UNKNOWN text, or a literal error. */
  pullError?: boolean | string;
  /** Once enabled, the module's hooks fail with this text (Module phase `Error`, reason `HookError`). */
  hookError?: string;
  /** Fail when the module reaches this phase: `Downloading` → `DownloadingError`, `Installing` → `Error` (ModuleError). */
  failAt?: 'Downloading' | 'Installing';
  weight?: number;
  stage?: string;
  requirements?: { deckhouse?: string; kubernetes?: string; modules?: Record<string, string> };
  /** Changelog per version (free form, copied into `ModuleRelease.spec.changelog`). */
  changelog?: Record<string, JsonMap>;
  /** `Module.properties.disableOptions`: with `confirmation`, disabling needs the allow-disabling annotation. */
  disableOptions?: { confirmation: boolean; message?: string };
}

/** One registry path and the modules under it. */
export interface CatalogRegistry {
  repo: string;
  /** The whole registry fails (listing tags): the source-level status message. */
  error?: string;
  modules: CatalogModule[];
}

/** Everything the fake registries offer. Mutable: `publish` edits it in place. */
export interface Catalog {
  registries: CatalogRegistry[];
  /** Bumped on every change so the controller knows a rescan is due. */
  revision: number;
}

/** The repo of the built-in `deckhouse` ModuleSource (CE edition path). */
export const DECKHOUSE_REPO = 'registry.deckhouse.io/deckhouse/ce/modules';

/** The docs' example registry. */
export const EXAMPLE_REPO = 'registry.example.com/deckhouse/modules';

/** A second registry that also offers `module-one`, to show the `Conflict` phase. */
export const MIRROR_REPO = 'registry.mirror.example.com/deckhouse/modules';

/** The built-in catalog: the DKP docs' walkthrough plus one module per failure mode. */
export function defaultCatalog(): Catalog {
  return {
    revision: 1,
    registries: [
      { repo: DECKHOUSE_REPO, modules: [] },
      {
        repo: EXAMPLE_REPO,
        modules: [
          {
            name: 'module-one',
            channels: { Stable: ['0.7.23', '0.7.24'] },
            weight: 910,
            stage: 'General Availability',
            requirements: { deckhouse: '> v1.63.0', kubernetes: '> v1.25.0' },
            changelog: {
              '0.7.23': { fixes: ['Fix the settings schema of the hello page.'] },
              '0.7.24': { features: ['Add the moduleVersion hook.'] },
            },
          },
          {
            name: 'module-two',
            channels: { Stable: ['1.2.0', '1.2.1', '1.2.3'], EarlyAccess: ['1.2.4'], Alpha: ['1.2.5'] },
            weight: 900,
            stage: 'General Availability',
            requirements: { deckhouse: '>= 1.68' },
            changelog: {
              '1.2.4': { fixes: ['Reduce memory requests.'] },
              '1.2.5': { features: ['Add Prometheus metrics endpoint.'] },
            },
          },
          { name: 'module-broken', channels: { Stable: ['0.1.0'] }, pullError: true },
          {
            name: 'module-faulty',
            channels: { Stable: ['0.3.1'] },
            weight: 920,
            stage: 'Preview',
            hookError: `ModuleRun failed in phase 'OnStartup': hook 'check_storage' failed: StorageClass "fast-ssd" not found`,
            // like the docs' acme-backup example: disabling it needs the allow-disabling annotation
            disableOptions: { confirmation: true, message: 'Disabling the module stops all scheduled backups.' },
          },
        ],
      },
      {
        repo: MIRROR_REPO,
        modules: [
          {
            name: 'module-one',
            channels: { Stable: ['0.7.24', '0.8.0'] },
            weight: 910,
            stage: 'General Availability',
            changelog: { '0.8.0': { features: ['Built by the mirror team.'] } },
          },
        ],
      },
    ],
  };
}

/** Parse a `--catalog` YAML file (shape: see catalog.example.yaml); throws with the offending path. */
export function loadCatalog(yamlText: string): Catalog {
  const doc = parse(yamlText) as { registries?: unknown } | null;
  if (!doc || !Array.isArray(doc.registries)) throw new Error('catalog: `registries` must be a list');
  const registries = doc.registries.map((raw, i) => checkRegistry(raw, `registries[${i}]`));
  return { registries, revision: 1 };
}

function checkRegistry(raw: unknown, path: string): CatalogRegistry {
  const reg = raw as Partial<CatalogRegistry> | null;
  if (!reg || typeof reg.repo !== 'string' || reg.repo === '')
    throw new Error(`catalog: ${path}.repo must be a non-empty string`);
  const modules = reg.modules ?? [];
  if (!Array.isArray(modules)) throw new Error(`catalog: ${path}.modules must be a list`);
  return {
    repo: reg.repo,
    ...(typeof reg.error === 'string' ? { error: reg.error } : {}),
    modules: modules.map((m, j) => checkModule(m, `${path}.modules[${j}]`)),
  };
}

function checkModule(raw: unknown, path: string): CatalogModule {
  const mod = raw as Partial<CatalogModule> | null;
  if (!mod || typeof mod.name !== 'string') throw new Error(`catalog: ${path}.name must be a string`);
  const channels = mod.channels ?? {};
  for (const [channel, versions] of Object.entries(channels)) {
    if (!(CHANNELS as readonly string[]).includes(channel))
      throw new Error(`catalog: ${path}.channels.${channel} is not a release channel`);
    for (const v of versions ?? []) {
      if (!parseVersion(String(v)))
        throw new Error(`catalog: ${path}.channels.${channel}: "${v}" is not a semver version`);
    }
  }
  if (mod.failAt !== undefined && mod.failAt !== 'Downloading' && mod.failAt !== 'Installing') {
    throw new Error(`catalog: ${path}.failAt must be Downloading or Installing`);
  }
  return { ...mod, name: mod.name, channels: normalizeChannels(channels) };
}

function normalizeChannels(channels: Partial<Record<Channel, unknown[]>>): Partial<Record<Channel, string[]>> {
  const out: Partial<Record<Channel, string[]>> = {};
  for (const [channel, versions] of Object.entries(channels)) out[channel as Channel] = (versions ?? []).map(String);
  return out;
}

/** A parsed `X.Y.Z` version, for ordering and patch/minor decisions. */
export interface Version {
  major: number;
  minor: number;
  patch: number;
}

/** Parse `1.2.3` or `v1.2.3`; undefined for anything else. */
export function parseVersion(text: string): Version | undefined {
  const m = /^v?(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (!m) return undefined;
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]) };
}

/** Order two version strings (ascending); unparsable ones sort first. */
export function compareVersions(a: string, b: string): number {
  const va = parseVersion(a);
  const vb = parseVersion(b);
  if (!va || !vb) return (va ? 1 : 0) - (vb ? 1 : 0);
  return va.major - vb.major || va.minor - vb.minor || va.patch - vb.patch;
}

/** The registry serving `repo`, if the catalog knows it. */
export function findRegistry(catalog: Catalog, repo: string): CatalogRegistry | undefined {
  return catalog.registries.find((r) => r.repo === repo);
}

/** Every version of the module visible on `channel` (its own and the more stable channels'), ascending. */
export function channelVersions(mod: CatalogModule, channel: string): string[] {
  const idx = (CHANNELS as readonly string[]).indexOf(channel);
  if (idx < 0) return [];
  const all = new Set<string>();
  for (const ch of CHANNELS.slice(idx)) for (const v of mod.channels[ch] ?? []) all.add(v);
  return [...all].sort(compareVersions);
}

/** Every version published anywhere (the registry's tags), ascending. */
export function allVersions(mod: CatalogModule): string[] {
  return channelVersions(mod, CHANNELS[0]);
}

/** The version a channel tag points at: the newest one on it. */
export function channelHead(mod: CatalogModule, channel: string): string | undefined {
  return channelVersions(mod, channel).at(-1);
}

/** The image digest the fake registry reports for one module version (stable across runs). */
export function imageDigest(repo: string, module: string, version: string): string {
  return 'sha256:' + createHash('sha256').update(`${repo}/${module}:v${version}`).digest('hex');
}

/** The channel tag in a registry path: `EarlyAccess` → `early-access`. */
export function channelTag(channel: string): string {
  return channel.replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase();
}

/** The error text for a module whose release image cannot be fetched, shaped like the docs' example. */
export function pullErrorText(repo: string, mod: CatalogModule, channel: string): string | undefined {
  if (mod.pullError === undefined || mod.pullError === false) return undefined;
  if (typeof mod.pullError === 'string') return mod.pullError;
  const slash = repo.indexOf('/');
  const host = slash < 0 ? repo : repo.slice(0, slash);
  const path = slash < 0 ? '' : repo.slice(slash + 1) + '/';
  const tag = channelTag(channel);
  return `fetch image error: GET https://${host}/v2/${path}${mod.name}/release/manifests/${tag}: MANIFEST_UNKNOWN: manifest unknown; map[Tag:${tag}]`;
}

/** The error a registry path gives when nothing is published there. */
export function unknownRepoError(repo: string): string {
  const slash = repo.indexOf('/');
  const host = slash < 0 ? repo : repo.slice(0, slash);
  const path = slash < 0 ? '' : repo.slice(slash + 1);
  return `list tags: GET https://${host}/v2/${path}/tags/list: NAME_UNKNOWN: repository name not known to registry; map[name:${path}]`;
}

/** What `publish` was asked to add. */
export interface PublishRequest {
  repo: string;
  module: string;
  version: string;
  channel?: string;
}

/** Add a version to a channel (creating the module in a known registry if needed). */
export function publishVersion(catalog: Catalog, req: PublishRequest): { ok: boolean; message: string } {
  const channel = req.channel ?? 'Stable';
  if (!(CHANNELS as readonly string[]).includes(channel))
    return { ok: false, message: `unknown release channel "${channel}"` };
  const version = req.version.replace(/^v/, '');
  if (!parseVersion(version)) return { ok: false, message: `"${req.version}" is not a semver version` };
  const registry = findRegistry(catalog, req.repo);
  if (!registry) return { ok: false, message: `unknown registry "${req.repo}"` };
  let mod = registry.modules.find((m) => m.name === req.module);
  if (!mod) {
    mod = { name: req.module, channels: {} };
    registry.modules.push(mod);
  }
  mod.channels[channel as Channel] ??= [];
  const list = mod.channels[channel as Channel]!;
  if (list.includes(version)) return { ok: true, message: `${req.module} v${version} is already on ${channel}` };
  list.push(version);
  list.sort(compareVersions);
  catalog.revision++;
  return { ok: true, message: `published ${req.module} v${version} on ${channel} in ${req.repo}` };
}
