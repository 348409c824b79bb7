/**
 * Discovery documents: /version, /api, /api/v1, /apis, /apis/{group}, /apis/{group}/{version}
 * (`/openapi/v3` is openapi-handler.ts's).
 * Aggregated discovery (`as=APIGroupDiscoveryList`) is answered with the plain documents and
 * `Content-Type: application/json`, which makes kubectl and client-go fall back to the legacy walk.
 */
import type { ResourceRegistry } from '../resources.ts';
import type { JsonMap } from '../types.ts';

/** The Kubernetes version dkp-sim claims (matches the kubectl client installed here). */
export const SERVER_VERSION = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.4',
  gitCommit: '59526cd4867447956156ae3a602fcbac10a2c335',
  gitTreeState: 'clean',
  buildDate: '2025-04-22T16:01:10Z',
  goVersion: 'go1.23.6',
  compiler: 'gc',
  platform: 'linux/amd64',
};

const CR_VERBS = ['delete', 'deletecollection', 'get', 'list', 'patch', 'create', 'update', 'watch'];

/** The discovery document for `pathname`, or undefined when there is none. */
export function discoveryDocument(
  registry: ResourceRegistry,
  pathname: string,
  serverAddress: string,
): JsonMap | undefined {
  const parts = pathname.split('/').filter((p) => p !== '');
  if (parts.length === 1 && parts[0] === 'version') return { ...SERVER_VERSION };
  if (parts[0] === 'api') {
    if (parts.length === 1) {
      return {
        kind: 'APIVersions',
        versions: ['v1'],
        serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
      };
    }
    if (parts.length === 2 && parts[1] === 'v1') return resourceList(registry, '', 'v1');
    return undefined;
  }
  if (parts[0] !== 'apis') return undefined;
  const groups = registry.groups();
  if (parts.length === 1) {
    return { kind: 'APIGroupList', apiVersion: 'v1', groups: groups.map(groupDoc) };
  }
  const g = groups.find((x) => x.group === parts[1]);
  if (!g) return undefined;
  if (parts.length === 2) return { kind: 'APIGroup', apiVersion: 'v1', ...groupDoc(g) };
  if (parts.length === 3 && g.versions.includes(parts[2]!)) return resourceList(registry, g.group, parts[2]!);
  return undefined;
}

function groupDoc(g: { group: string; versions: string[]; preferred: string }): JsonMap {
  return {
    name: g.group,
    versions: g.versions.map((v) => ({ groupVersion: `${g.group}/${v}`, version: v })),
    preferredVersion: { groupVersion: `${g.group}/${g.preferred}`, version: g.preferred },
  };
}

function resourceList(registry: ResourceRegistry, group: string, version: string): JsonMap {
  const resources: JsonMap[] = [];
  for (const { def, version: v } of registry.inVersion(group, version)) {
    const readOnly = def.group === '' && def.plural === 'namespaces';
    const entry: JsonMap = {
      name: def.plural,
      singularName: def.singular,
      namespaced: def.namespaced,
      kind: def.kind,
      verbs: readOnly ? ['get', 'list', 'watch'] : CR_VERBS,
    };
    if (def.shortNames.length > 0) entry.shortNames = def.shortNames;
    resources.push(entry);
    if (v.statusSubresource && !readOnly) {
      resources.push({
        name: `${def.plural}/status`,
        singularName: '',
        namespaced: def.namespaced,
        kind: def.kind,
        verbs: ['get', 'patch', 'update'],
      });
    }
  }
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: group ? `${group}/${version}` : version,
    resources,
  };
}
