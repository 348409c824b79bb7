/**
 * The refs a git server advertises (smart HTTP, protocol v1: `GET info/refs?service=
 * git-upload-pack`, gitprotocol-http.txt in git/git), read without isomorphic-git: a no-op run
 * asks only this and compares it with the local ref, so it need not load isomorphic-git at all
 * (~25 ms of a CronJob start-up). Also the local side of that comparison: a ref as
 * isomorphic-git and git store it, loose or in `packed-refs`.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { freshHeaders, httpStatusError, notSmartHttpError, withDeadline } from './iso-git-http.ts';
import type { Remote } from './iso-git-remote.ts';
import { readPktLines } from './pkt-line.ts';

/** One advertised ref: the object it names, and for an annotated tag the commit it peels to. */
export interface AdvertisedRef {
  oid: string;
  peeled?: string;
}

const OID = /^[0-9a-f]{40}$/;

/** Parses an advertisement into ref name -> oid (and peeled oid); keeps only refs under `prefix`. */
export function parseAdvertisement(body: Buffer, prefix: string): Map<string, AdvertisedRef> {
  const lines = readPktLines(body, 'the ref advertisement', notSmartHttpError).map(
    (p) => p?.toString('utf8').replace(/\n$/, '') ?? null,
  );
  // A refusal the server words itself (e.g. an access rule), with or without the service line.
  const refusal = lines.find((l) => l?.startsWith('ERR '));
  if (refusal) throw new Error(`the server reported: ${refusal.slice(4, 204)}`);
  if (lines[0] !== '# service=git-upload-pack') throw notSmartHttpError('the answer does not start with "# service="');
  const refs = new Map<string, AdvertisedRef>();
  for (const line of lines.slice(1)) {
    if (line === null) continue;
    // The first ref line carries the capabilities after a NUL.
    const [oid, name] = line.split('\0', 1)[0]!.split(' ', 2);
    if (!oid || !name || !OID.test(oid))
      throw notSmartHttpError(`unexpected line in the ref advertisement: ${line.slice(0, 200)}`);
    if (name.endsWith('^{}')) {
      const tag = refs.get(name.slice(0, -3));
      if (tag) tag.peeled = oid;
    } else if (name.startsWith(prefix)) {
      refs.set(name, { oid });
    }
  }
  return refs;
}

/** The remote's refs under `prefix` (one request). */
export async function advertisedRefs(remote: Remote, prefix: string): Promise<Map<string, AdvertisedRef>> {
  const body = await withDeadline(remote.timeoutMs, async (http) => {
    const res = await http.request({
      url: `${remote.url}/info/refs?service=git-upload-pack`,
      method: 'GET',
      headers: { ...freshHeaders(remote.auth), accept: 'application/x-git-upload-pack-advertisement' },
    });
    const chunks: Uint8Array[] = [];
    for await (const chunk of res.body ?? []) chunks.push(chunk);
    if (res.statusCode !== 200) throw httpStatusError(res.statusCode, res.statusMessage);
    const type = res.headers?.['content-type'] ?? '';
    if (!type.startsWith('application/x-git-upload-pack-advertisement')) {
      throw notSmartHttpError(`content type "${type}" instead of a git-upload-pack advertisement`);
    }
    return Buffer.concat(chunks);
  });
  return parseAdvertisement(body, prefix);
}

/** The commit a local ref points at (loose file first, then `packed-refs`), or null. */
export async function readLocalRef(gitdir: string, fullRef: string): Promise<string | null> {
  const loose = (await readFile(path.join(gitdir, fullRef), 'utf8').catch(() => '')).trim();
  if (OID.test(loose)) return loose;
  const packed = await readFile(path.join(gitdir, 'packed-refs'), 'utf8').catch(() => '');
  for (const line of packed.split('\n')) {
    const [oid, name] = line.trim().split(' ');
    if (name === fullRef && oid && OID.test(oid)) return oid;
  }
  return null;
}
