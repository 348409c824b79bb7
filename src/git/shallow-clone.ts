/**
 * The first fetch of a ref into the cache (nothing of it here yet): one `git-upload-pack`
 * exchange at depth 1 (protocol v1, smart HTTP, as gitprotocol-pack.txt and
 * gitprotocol-http.txt in git/git describe it), the pack indexed natively (pack-format.ts) and
 * stored as `objects/pack/pack-<checksum>.{pack,idx}` next to the `shallow` file, the layout git
 * and isomorphic-git read. isomorphic-git's own fetch indexes the pack in JavaScript, which made
 * a clone of 1,000 files ~3x slower than `git clone --depth 1`. Later fetches (a moved ref:
 * a few objects, with `have`s) stay with isomorphic-git.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { freshHeaders, httpStatusError, withDeadline } from './iso-git-http.ts';
import type { Remote } from './iso-git-remote.ts';
import { createObjectReader } from './object-reader.ts';
import { indexPack } from './pack-format.ts';
import { pktLine, readPktLines } from './pkt-line.ts';

/**
 * The server's answer could not be used (a protocol or pack problem, not the network, not
 * HTTP): the caller fetches with isomorphic-git instead, which reports such servers its way.
 */
export class UnusableAnswerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnusableAnswerError';
  }
}

/** What an upload-pack answer holds: the shallow boundary and the pack (side band 1). */
interface UploadPackAnswer {
  shallow: string[];
  pack: Buffer;
}

/** Splits the answer into its protocol lines and side-band channels (pack, progress, error). */
function parseAnswer(body: Buffer): UploadPackAnswer {
  const shallow: string[] = [];
  const pack: Buffer[] = [];
  for (const payload of readPktLines(body, 'the upload-pack answer', (m) => new UnusableAnswerError(m))) {
    if (!payload?.length) continue;
    const band = payload[0]!;
    if (band === 1) pack.push(payload.subarray(1));
    else if (band === 3) throw new UnusableAnswerError(`the server reported: ${payload.toString('utf8', 1).trim()}`);
    else if (band !== 2) {
      const line = payload.toString('utf8').trim();
      // E.g. "not our ref" when the branch moved since the advertisement: isomorphic-git asks again.
      if (line.startsWith('ERR ')) throw new UnusableAnswerError(`the server reported: ${line.slice(4)}`);
      const m = /^shallow ([0-9a-f]{40})$/.exec(line);
      if (m) shallow.push(m[1]!);
    }
  }
  if (pack.length === 0) throw new UnusableAnswerError('the upload-pack answer holds no pack');
  return { shallow, pack: Buffer.concat(pack) };
}

/**
 * Fetches the object `want` (a commit, or an annotated tag and its commit) and its tree at
 * depth 1 into `remote.store.gitdir`. Writes the pack, then its index (git and the object
 * reader list packs by index, so a half-written pack is never seen), then the shallow list.
 * The caller writes the ref. Throws raw errors like the other remote operations.
 */
export async function cloneShallow(remote: Remote, want: string): Promise<void> {
  const request = Buffer.concat([
    pktLine(`want ${want} side-band-64k ofs-delta shallow no-progress agent=modsync\n`),
    pktLine('deepen 1\n'),
    Buffer.from('0000', 'latin1'),
    pktLine('done\n'),
  ]);
  const body = await withDeadline(remote.timeoutMs, async (http) => {
    const res = await http.request({
      url: `${remote.url}/git-upload-pack`,
      method: 'POST',
      headers: {
        ...freshHeaders(remote.auth),
        'content-type': 'application/x-git-upload-pack-request',
        accept: 'application/x-git-upload-pack-result',
      },
      body: (async function* () {
        yield request;
      })(),
    });
    const chunks: Uint8Array[] = [];
    for await (const chunk of res.body ?? []) chunks.push(chunk);
    if (res.statusCode !== 200) {
      throw httpStatusError(res.statusCode, res.statusMessage);
    }
    return Buffer.concat(chunks);
  });
  const answer = parseAnswer(body);
  let index: ReturnType<typeof indexPack>;
  try {
    index = indexPack(answer.pack);
  } catch (err) {
    throw new UnusableAnswerError((err as Error).message);
  }
  if (!index.offsets.has(want)) throw new UnusableAnswerError(`the pack does not hold ${want}`);
  const packDir = path.join(remote.store.gitdir, 'objects', 'pack');
  const name = `pack-${answer.pack.toString('hex', answer.pack.length - 20)}`;
  await mkdir(packDir, { recursive: true });
  await writeFile(path.join(packDir, `${name}.pack`), answer.pack);
  await writeFile(path.join(packDir, `${name}.idx.tmp`), index.idx);
  await rename(path.join(packDir, `${name}.idx.tmp`), path.join(packDir, `${name}.idx`));
  // The checkout that follows reads the objects the indexing has just resolved, without reading them again.
  remote.store.objects ??= createObjectReader(remote.store.gitdir);
  const objects = remote.store.objects;
  objects.addPack(path.join(packDir, `${name}.idx`), index.offsets, index.reader);
  const shallowFile = path.join(remote.store.gitdir, 'shallow');
  const known = (await readFile(shallowFile, 'utf8').catch(() => '')).split('\n');
  const all = [...new Set([...known.filter((l) => /^[0-9a-f]{40}$/.test(l)), ...answer.shallow])];
  if (all.length > 0) await writeFile(shallowFile, `${all.join('\n')}\n`);
}
