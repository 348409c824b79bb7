/**
 * The cluster port: everything modsync asks of the Kubernetes API server. The pipeline only
 * sees this interface; `kube-adapter.ts` implements it over HTTP with the kubeconfig's
 * credentials (kube-access.ts), and tests run that adapter against dkp-sim over real HTTP.
 *
 * Every method throws `ClusterError` (core/errors.ts) once its retries are spent.
 */
import type { ClusterKind } from '../core/kinds.ts';
import type { JsonObject, KubeObject, ObjectId } from '../core/object.ts';

export interface WriteOptions {
  /** Server-side dry run (`dryRun=All`): validated and admitted, not persisted. */
  dryRun: boolean;
}

export interface ApplyOptions extends WriteOptions {
  /** Take fields over from other managers instead of failing with a conflict. */
  force?: boolean;
}

export interface DeleteOptions extends WriteOptions {
  /** Preconditions: delete only the very object that was listed. */
  uid?: string;
  resourceVersion?: string;
}

export interface ClusterPort {
  /** One LIST of every object of the kind (the steady-state read). */
  list(kind: ClusterKind): Promise<KubeObject[]>;
  /** One GET; null when the object does not exist. Not used in the steady state. */
  get(id: ObjectId): Promise<KubeObject | null>;
  /** Server-side apply under field manager `modsync`. Returns the object the server stored (or would store). */
  apply(obj: KubeObject, opts: ApplyOptions): Promise<KubeObject>;
  /** JSON merge patch (used for the ModuleRelease approval annotation only). */
  mergePatch(id: ObjectId, patch: JsonObject, opts: WriteOptions): Promise<KubeObject>;
  /** JSON patch (RFC 6902, `application/json-patch+json`). Returns the object the server stored (or would store). */
  jsonPatch(id: ObjectId, ops: JsonPatchOp[], opts: WriteOptions): Promise<KubeObject>;
  delete(id: ObjectId, opts: DeleteOptions): Promise<void>;
  /**
   * The cluster's OpenAPI v3 documents of the given group versions (`deckhouse.io/v1alpha1`),
   * keyed by that apiVersion, the way kubectl reads them: the `/openapi/v3` index, then each
   * document by its hash (cached on disk when the adapter has a cache dir). A group version the
   * cluster does not serve is absent from the map.
   */
  openApiSchemas(groupVersions: string[]): Promise<Map<string, JsonObject>>;
  /**
   * The cluster's Deckhouse version (`v1.70.4`), from its Deployed DeckhouseRelease, where the
   * DKP docs tell people to look; undefined when it cannot be told. Asked only to name the
   * version in an error (one LIST of deckhousereleases).
   */
  deckhouseVersion(): Promise<string | undefined>;
}

/** One RFC 6902 operation. `path` and `from` are JSON pointers (`/metadata/managedFields/0`). */
export interface JsonPatchOp {
  op: 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test';
  path: string;
  /** For add, replace and test. */
  value?: unknown;
  /** For move and copy. */
  from?: string;
}

/** The field manager modsync applies with. */
export const FIELD_MANAGER = 'modsync';
