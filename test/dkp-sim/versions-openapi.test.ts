/**
 * The OpenAPI v3 documents of each Deckhouse version, served as kube-openapi's handler3 serves
 * them: an index whose `serverRelativeURL`s carry the SHA-512 of each document, ETags, a year of
 * caching for a current `?hash=`, 301 to the current hash for a stale one, 304 for conditional
 * GETs. A client (modsync, kubectl) can check objects against the cluster's own schema.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { start, type SimInstance } from './index.ts';

let old: SimInstance;
let newest: SimInstance;
let dir: string;

const sha512 = (bytes: ArrayBuffer): string =>
  createHash('sha512').update(Buffer.from(bytes)).digest('hex').toUpperCase();

interface Raw {
  status: number;
  headers: Headers;
  bytes: ArrayBuffer;
}

async function get(sim: SimInstance, path: string, headers: Record<string, string> = {}): Promise<Raw> {
  const res = await fetch(`${sim.url}${path}`, { headers, redirect: 'manual' });
  return { status: res.status, headers: res.headers, bytes: await res.arrayBuffer() };
}

const json = (r: Raw): any => JSON.parse(Buffer.from(r.bytes).toString('utf8'));

/** The index entry's URL of a group/version. */
async function urlOf(sim: SimInstance, gv: string): Promise<string> {
  return json(await get(sim, '/openapi/v3')).paths[gv].serverRelativeURL;
}

const hashOf = (url: string): string => new URL(url, 'http://x').searchParams.get('hash')!;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dkp-sim-openapi-'));
  [old, newest] = await Promise.all([
    start({ deckhouseVersion: '1.70', controller: false }),
    start({ controller: false }),
  ]);
});
afterAll(async () => {
  await Promise.all([old?.stop(), newest?.stop()]);
});

describe('OpenAPI v3 index', () => {
  it('lists every served group/version with a URL carrying the SHA-512 of its document', async () => {
    const index = json(await get(newest, '/openapi/v3'));
    expect(Object.keys(index.paths)).toEqual([
      'api/v1',
      'apis/coordination.k8s.io/v1',
      'apis/deckhouse.io/v1alpha1',
      'apis/deckhouse.io/v1alpha2',
    ]);
    for (const [gv, entry] of Object.entries(index.paths) as [string, { serverRelativeURL: string }][]) {
      const url = entry.serverRelativeURL;
      expect(url).toMatch(new RegExp(`^/openapi/v3/${gv.replace(/\./g, '\\.')}\\?hash=[0-9A-F]{128}$`));
      const doc = await get(newest, url);
      expect(sha512(doc.bytes)).toBe(hashOf(url));
    }
  });

  it('has an ETag of its own bytes and answers 304 when the client has it', async () => {
    const first = await get(newest, '/openapi/v3');
    expect(first.headers.get('content-type')).toBe('application/json');
    const etag = first.headers.get('etag')!;
    expect(etag).toBe(`"${sha512(first.bytes)}"`);
    const again = await get(newest, '/openapi/v3', { 'If-None-Match': etag });
    expect(again.status).toBe(304);
    expect(again.bytes.byteLength).toBe(0);
  });
});

describe('OpenAPI v3 group/version documents', () => {
  it("serve the release's schema: ModuleSource.spec.scanInterval on the newest only", async () => {
    const schemaOf = async (sim: SimInstance): Promise<any> => {
      const doc = json(await get(sim, await urlOf(sim, 'apis/deckhouse.io/v1alpha1')));
      return doc.components.schemas['io.deckhouse.v1alpha1.ModuleSource'];
    };
    expect(Object.keys((await schemaOf(newest)).properties.spec.properties)).toContain('scanInterval');
    expect(Object.keys((await schemaOf(old)).properties.spec.properties)).toEqual(['releaseChannel', 'registry']);
  });

  it('carry the schema as a cluster stores it: no Deckhouse x-doc-* keys, defaults and patterns kept', async () => {
    const doc = json(await get(newest, await urlOf(newest, 'apis/deckhouse.io/v1alpha1')));
    const text = JSON.stringify(doc);
    expect(text).not.toContain('x-doc-');
    const spec = doc.components.schemas['io.deckhouse.v1alpha1.ModuleSource'].properties.spec;
    expect(spec.properties.scanInterval).toEqual({
      type: 'string',
      pattern: '^(\\d+h)?(\\d+m)?(\\d+s)?$',
      description: expect.stringContaining('Interval for registry scan.'),
    });
    expect(spec.properties.registry.properties.scheme).toMatchObject({ default: 'HTTPS', enum: ['HTTP', 'HTTPS'] });
  });

  it('change their hash when the schema changes and keep it when it does not', async () => {
    const hashes = async (gv: string): Promise<string[]> => [
      hashOf(await urlOf(old, gv)),
      hashOf(await urlOf(newest, gv)),
    ];
    const [oldV1, newV1] = await hashes('apis/deckhouse.io/v1alpha1');
    expect(oldV1).not.toBe(newV1);
    const [oldV2, newV2] = await hashes('apis/deckhouse.io/v1alpha2');
    expect(oldV2).toBe(newV2);
  });

  it('with the current hash: ETag is the hash, cached as public and immutable for a year', async () => {
    const url = await urlOf(old, 'apis/deckhouse.io/v1alpha1');
    const r = await get(old, url, { Accept: 'application/json' });
    expect(r.status).toBe(200);
    expect(r.headers.get('etag')).toBe(`"${hashOf(url)}"`);
    expect(r.headers.get('cache-control')).toBe('public, immutable');
    expect(r.headers.get('vary')).toBe('Accept');
    const expires = r.headers.get('expires')!;
    expect(expires).toMatch(/^\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} UTC$/);
    expect(new Date(expires.replace('UTC', 'GMT')).getUTCFullYear()).toBe(new Date().getUTCFullYear() + 1);
  });

  it('with a stale hash: 301 to the current URL; without one: no caching headers', async () => {
    const stale = await urlOf(newest, 'apis/deckhouse.io/v1alpha1');
    const current = await urlOf(old, 'apis/deckhouse.io/v1alpha1');
    const moved = await get(old, stale);
    expect(moved.status).toBe(301);
    expect(moved.headers.get('location')).toBe(current);
    const plain = await get(old, '/openapi/v3/apis/deckhouse.io/v1alpha1');
    expect(plain.status).toBe(200);
    expect(plain.headers.get('cache-control')).toBeNull();
    expect(plain.headers.get('etag')).toBe(`"${hashOf(current)}"`);
  });

  it('answer 304 to If-None-Match with the ETag, 406 to a protobuf-only client, 404 for no such version', async () => {
    const url = await urlOf(old, 'apis/deckhouse.io/v1alpha1');
    const cached = await get(old, url, { 'If-None-Match': `"${hashOf(url)}"` });
    expect(cached.status).toBe(304);
    const proto = await get(old, url, { Accept: 'application/com.github.proto-openapi.spec.v3.v1.0+protobuf' });
    expect(proto.status).toBe(406);
    expect((await get(old, '/openapi/v3/apis/deckhouse.io/v9')).status).toBe(404);
  });
});

describe('kubectl reads the served schema', () => {
  function explain(sim: SimInstance, field: string): Promise<{ code: number; stdout: string }> {
    const cache = join(dir, `cache-${sim.deckhouseVersion}`);
    const args = ['--kubeconfig', sim.kubeconfigPath, '--cache-dir', cache, 'explain', field];
    return new Promise((resolve) =>
      execFile('kubectl', args, { timeout: 20_000 }, (err, stdout) => {
        resolve({ code: err ? 1 : 0, stdout });
      }),
    );
  }

  it('kubectl explain knows ms.spec.scanInterval on the newest and not on 1.70', async () => {
    expect((await explain(newest, 'ms.spec.scanInterval')).stdout).toContain('Interval for registry scan.');
    const missing = await explain(old, 'ms.spec.scanInterval');
    expect(missing.code).toBe(1);
    expect((await explain(old, 'ms.spec')).stdout).not.toContain('scanInterval');
  });
});
