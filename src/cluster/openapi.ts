/**
 * The cluster's OpenAPI v3 documents, read the way kubectl reads them (client-go's
 * discovery/openapi v3 client, cached by kubectl's disk cache): one GET of the `/openapi/v3`
 * index, whose `paths` map each group version to a `serverRelativeURL` carrying a `?hash=` of
 * the document; then one GET per group version whose document is not cached under that hash.
 * A cluster that did not change costs one request, the index.
 */
import { isPlainObject } from '../core/values.ts';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { JsonObject, JsonValue } from '../core/object.ts';
import type { RawBody } from './kube-client.ts';

/** How readOpenApiSchemas reaches the server and where it caches. */
export interface OpenApiReadOptions {
  /** Folder for documents by hash; undefined: no cache. */
  cacheDir?: string;
  /** One GET (with the adapter's deadline and retries); `subject` starts error messages. */
  get(path: string, subject: string): Promise<RawBody>;
}

/** apiVersion (`deckhouse.io/v1alpha1`, `v1`) → its document; absent when the cluster does not serve it. */
export async function readOpenApiSchemas(
  groupVersions: string[],
  opts: OpenApiReadOptions,
): Promise<Map<string, JsonObject>> {
  const found = new Map<string, JsonObject>();
  if (groupVersions.length === 0) return found;
  const index = await opts.get('/openapi/v3', 'OpenAPI v3 index');
  const paths = isPlainObject<JsonValue>(index.paths) ? index.paths : {};
  await Promise.all(
    [...new Set(groupVersions)].map(async (gv) => {
      const entry = paths[indexKey(gv)];
      const url =
        isPlainObject<JsonValue>(entry) && typeof entry.serverRelativeURL === 'string'
          ? entry.serverRelativeURL
          : undefined;
      if (!url) return;
      const hash = new URL(url, 'http://x').searchParams.get('hash') ?? undefined;
      const name = `${gv.replace(/[^A-Za-z0-9.-]+/g, '_')}-${hash?.replace(/[^A-Za-z0-9]/g, '')}.json`;
      const file = opts.cacheDir && hash ? join(opts.cacheDir, name) : undefined;
      const cached = file ? await readCached(file) : undefined;
      if (cached) return void found.set(gv, cached);
      const doc = await opts.get(url, `OpenAPI v3 ${gv}`);
      found.set(gv, doc);
      if (file && opts.cacheDir) await writeCached(opts.cacheDir, file, doc);
    }),
  );
  return found;
}

/** The index key of a group version: `api/v1` for the core group, `apis/<group>/<version>` otherwise. */
function indexKey(gv: string): string {
  return gv.includes('/') ? `apis/${gv}` : `api/${gv}`;
}

async function readCached(file: string): Promise<JsonObject | undefined> {
  try {
    const parsed: unknown = JSON.parse(await readFile(file, 'utf8'));
    return isPlainObject<JsonValue>(parsed) ? parsed : undefined;
  } catch {
    return undefined; // absent or torn: fetch it again
  }
}

/**
 * Writes through a temporary file, so a concurrent reader never sees half a document. A failed
 * write only costs a refetch.
 */
async function writeCached(dir: string, file: string, doc: JsonObject): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(doc));
    await rename(tmp, file);
  } catch {
    // A read-only or full disk must not fail the run.
  }
}
