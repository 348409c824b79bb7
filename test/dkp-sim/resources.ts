/**
 * The resources dkp-sim serves: the Deckhouse CRDs from `crds/deckhouse/*.yaml` (as the chosen
 * Deckhouse release had them), DeckhouseRelease, the built-in coordination.k8s.io/v1 Lease and
 * the core v1 Namespace (read-only).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { leaseResource, namespaceResource } from './builtin-resources.ts';
import { deckhouseReleaseResource } from './deckhouse-release.ts';
import { applyReleaseChanges, loadDeckhouseVersions, resolveDeckhouseVersion } from './deckhouse-versions.ts';
import type { PrinterColumn, ResourceDef, Schema, VersionDef } from './types.ts';

/** Where the upstream CRD copies live (repository root `crds/deckhouse`). */
export const CRD_DIR = new URL('../../crds/deckhouse/', import.meta.url);

interface CrdVersion {
  name: string;
  served: boolean;
  storage: boolean;
  deprecated?: boolean;
  deprecationWarning?: string;
  schema?: { openAPIV3Schema?: Schema };
  subresources?: { status?: object };
  additionalPrinterColumns?: PrinterColumn[];
}

interface Crd {
  kind: string;
  spec: {
    group: string;
    scope: 'Cluster' | 'Namespaced';
    names: { kind: string; listKind?: string; plural: string; singular?: string; shortNames?: string[] };
    versions: CrdVersion[];
  };
}

/** Turns one CustomResourceDefinition document into a ResourceDef. */
export function resourceFromCrd(crd: Crd): ResourceDef {
  const { names } = crd.spec;
  const versions: VersionDef[] = crd.spec.versions.map((v) => {
    const def: VersionDef = {
      name: v.name,
      served: v.served,
      storage: v.storage,
      schema: v.schema?.openAPIV3Schema ?? { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
      statusSubresource: v.subresources?.status !== undefined,
      printerColumns: v.additionalPrinterColumns ?? [],
    };
    if (v.deprecated) def.deprecated = true;
    if (v.deprecationWarning) def.deprecationWarning = v.deprecationWarning;
    return def;
  });
  return {
    group: crd.spec.group,
    kind: names.kind,
    listKind: names.listKind ?? `${names.kind}List`,
    plural: names.plural,
    singular: names.singular ?? names.kind.toLowerCase(),
    shortNames: names.shortNames ?? [],
    namespaced: crd.spec.scope === 'Namespaced',
    versions,
  };
}

/**
 * Reads every CRD in `dir` (default: the project's `crds/deckhouse`, the newest release's);
 * with `deckhouseVersion`, as that release served them (see crds/versions.yaml).
 */
export function loadCrdResources(dir: URL = CRD_DIR, deckhouseVersion?: string): ResourceDef[] {
  const versions = deckhouseVersion === undefined ? undefined : loadDeckhouseVersions();
  const release = versions ? resolveDeckhouseVersion(deckhouseVersion, versions) : undefined;
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => {
      const crd = parse(readFileSync(new URL(f, dir), 'utf8')) as Crd;
      if (versions && release) applyReleaseChanges(f, crd, release, versions);
      return resourceFromCrd(crd);
    });
}

/** Lookup of served resources by group/version/plural, shared by the server and the store. */
export class ResourceRegistry {
  readonly all: ResourceDef[];
  private readonly byPlural = new Map<string, ResourceDef>();

  constructor(defs: ResourceDef[]) {
    this.all = defs;
    for (const d of defs) this.byPlural.set(d.plural, d);
  }

  /** The resource behind a plural, whatever its group (plurals are unique here). */
  get(plural: string): ResourceDef | undefined {
    return this.byPlural.get(plural);
  }

  /** The served version `version` of `group`/`plural`, or undefined when not served. */
  find(group: string, version: string, plural: string): { def: ResourceDef; version: VersionDef } | undefined {
    const def = this.byPlural.get(plural);
    if (!def || def.group !== group) return undefined;
    const v = def.versions.find((x) => x.name === version && x.served);
    return v ? { def, version: v } : undefined;
  }

  /** Served group/versions, highest priority (preferred) first. */
  groups(): { group: string; versions: string[]; preferred: string }[] {
    const out = new Map<string, { versions: string[] }>();
    for (const def of this.all) {
      if (def.group === '') continue;
      for (const v of def.versions) {
        if (!v.served) continue;
        const g = out.get(def.group) ?? { versions: [] };
        if (!g.versions.includes(v.name)) g.versions.push(v.name);
        out.set(def.group, g);
      }
    }
    // Like the apiextensions discovery controller: the preferred version is the highest by kube-aware priority.
    return [...out].map(([group, g]) => {
      const versions = sortVersions(g.versions);
      return { group, versions, preferred: versions[0]! };
    });
  }

  /** Resources served at `group`/`version`. */
  inVersion(group: string, version: string): { def: ResourceDef; version: VersionDef }[] {
    const out: { def: ResourceDef; version: VersionDef }[] = [];
    for (const def of this.all) {
      if (def.group !== group) continue;
      const v = def.versions.find((x) => x.name === version && x.served);
      if (v) out.push({ def, version: v });
    }
    return out;
  }
}

/** The storage version of a resource (objects are stored in it; CRDs here use conversion None). */
export function storageVersion(def: ResourceDef): VersionDef {
  return def.versions.find((v) => v.storage) ?? def.versions[0]!;
}

/** Kubernetes version priority: GA > beta > alpha, higher numbers first. */
export function sortVersions(versions: string[]): string[] {
  const rank = (v: string): [number, number, number] => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (!m) return [-1, 0, 0];
    const stage = m[2] === undefined ? 3 : m[2] === 'beta' ? 2 : 1;
    return [stage, Number(m[1]), Number(m[3] ?? 0)];
  };
  return [...versions].sort((a, b) => {
    const ra = rank(a);
    const rb = rank(b);
    for (let i = 0; i < 3; i++) if (ra[i] !== rb[i]) return rb[i]! - ra[i]!;
    return a.localeCompare(b);
  });
}

/** Everything dkp-sim serves, with the CRDs of `deckhouseVersion` (default: the newest). */
export function defaultRegistry(deckhouseVersion?: string): ResourceRegistry {
  const crds = loadCrdResources(CRD_DIR, deckhouseVersion);
  return new ResourceRegistry([...crds, deckhouseReleaseResource(), leaseResource(), namespaceResource()]);
}
