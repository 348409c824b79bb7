/**
 * Reads objects of the bare cache repository for the working-tree checkout: from its packs
 * (native zlib, see pack-format.ts) and loose objects. isomorphic-git's `readBlob` costs several
 * file-system calls per object (a loose-object probe, a pack-folder listing, a file-system
 * wrapper that probes `readFile`) and a JavaScript inflate; writing 1,000 files spent most of
 * its time there.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { PackReader, readIdx, zlib, type GitObject, type ObjectType, type PackOffsets } from './pack-format.ts';

/** Reads objects by id; a missing object throws an error with `code: 'NotFoundError'` (a broken cache). */
export interface ObjectReader {
  read(oid: string): Promise<GitObject>;
  /** Adds a pack just written and indexed, with the reader that indexed it (its objects are still cached). */
  addPack(idxFile: string, offsets: PackOffsets, reader: PackReader): void;
}

interface Pack {
  offsets: PackOffsets;
  file: string;
  /** The pack's checksum as its index records it. */
  checksum: Buffer;
  reader?: Promise<PackReader>;
}

/** An object missing from the repository, with the code the adapter reads as "cache unreadable". */
function notFound(oid: string): Error {
  return Object.assign(new Error(`object ${oid} is not in the cache repository`), { code: 'NotFoundError' });
}

/** An ObjectReader over `gitdir`; packs are listed on first use and again when an object is missing. */
export function createObjectReader(gitdir: string): ObjectReader {
  const packDir = path.join(gitdir, 'objects', 'pack');
  const packs = new Map<string, Pack>();
  let listed: Promise<void> | undefined;

  async function listPacks(): Promise<void> {
    const names = (await readdir(packDir).catch(() => [] as string[])).filter((f) => f.endsWith('.idx'));
    for (const name of names) {
      if (packs.has(name)) continue;
      const idx = await readFile(path.join(packDir, name));
      const checksum = idx.subarray(idx.length - 40, idx.length - 20);
      packs.set(name, { offsets: readIdx(idx), checksum, file: path.join(packDir, name.replace(/\.idx$/, '.pack')) });
    }
  }

  function fromPacks(oid: string): Promise<GitObject> | undefined {
    for (const pack of packs.values()) {
      const offset = pack.offsets.get(oid);
      if (offset === undefined) continue;
      pack.reader ??= readFile(pack.file).then((buf) => {
        // Once per pack, as isomorphic-git does: the whole pack hashes to what its index says.
        const trailer = buf.subarray(buf.length - 20);
        const digest = createHash('sha1')
          .update(buf.subarray(0, buf.length - 20))
          .digest();
        if (!trailer.equals(pack.checksum) || !digest.equals(trailer)) {
          throw new Error(`${path.basename(pack.file)} is corrupt (checksum mismatch)`);
        }
        return new PackReader(buf, (o) => pack.offsets.get(o));
      });
      return pack.reader.then((r) => r.readAt(offset));
    }
    return undefined;
  }

  async function loose(oid: string): Promise<GitObject | null> {
    const raw = await readFile(path.join(gitdir, 'objects', oid.slice(0, 2), oid.slice(2))).catch(() => null);
    if (!raw) return null;
    const data = zlib().inflateSync(raw);
    const space = data.indexOf(0x20);
    const nul = data.indexOf(0, space);
    const type = data.toString('latin1', 0, space) as ObjectType;
    const size = Number(data.toString('latin1', space + 1, nul));
    if (!['commit', 'tree', 'blob', 'tag'].includes(type) || data.length - nul - 1 !== size) {
      throw new Error(`loose object ${oid} is corrupt`);
    }
    return { type, content: data.subarray(nul + 1) };
  }

  async function read(oid: string): Promise<GitObject> {
    listed ??= listPacks();
    await listed;
    const packed = fromPacks(oid);
    if (packed) return packed;
    const found = await loose(oid);
    if (found) return found;
    // A pack written after the listing (a fetch in the same operation).
    await listPacks();
    const late = fromPacks(oid);
    if (late) return late;
    throw notFound(oid);
  }

  return {
    // Corrupt data gets the code isomorphic-git gives it, so the adapter starts a fresh clone.
    read: (oid) =>
      read(oid).catch((err: Error & { code?: string }) => {
        throw err.code ? err : Object.assign(err, { code: 'InternalError' });
      }),
    addPack: (idxFile, offsets, reader) => {
      const file = idxFile.replace(/\.idx$/, '.pack');
      packs.set(path.basename(idxFile), { offsets, file, checksum: Buffer.alloc(0), reader: Promise.resolve(reader) });
    },
  };
}

/** One entry of a tree object, as isomorphic-git's `readTree` gives it (modes normalized the same way). */
export interface TreeItem {
  mode: string;
  path: string;
  oid: string;
  type: 'tree' | 'blob' | 'commit';
}

/** Parses a tree object's content: `<mode> <name>\0<20-byte id>` repeated. */
export function parseTree(content: Buffer): TreeItem[] {
  const out: TreeItem[] = [];
  let pos = 0;
  while (pos < content.length) {
    const space = content.indexOf(0x20, pos);
    const nul = content.indexOf(0, space);
    if (space < 0 || nul < 0 || nul + 21 > content.length) throw new Error('tree object is corrupt');
    const raw = content.toString('latin1', pos, space);
    const name = content.toString('utf8', space + 1, nul);
    const oid = content.toString('hex', nul + 1, nul + 21);
    pos = nul + 21;
    const bits = parseInt(raw, 8);
    const kind = bits & 0o170000;
    if (kind === 0o040000) out.push({ mode: '040000', path: name, oid, type: 'tree' });
    else if (kind === 0o160000) out.push({ mode: '160000', path: name, oid, type: 'commit' });
    else if (kind === 0o120000) out.push({ mode: '120000', path: name, oid, type: 'blob' });
    else out.push({ mode: bits & 0o111 ? '100755' : '100644', path: name, oid, type: 'blob' });
  }
  return out;
}

/** The root tree id of a commit object's content. */
export function commitTree(content: Buffer): string {
  const m = /^tree ([0-9a-f]{40})\n/.exec(content.toString('latin1', 0, 46));
  if (!m) throw new Error('commit object has no tree');
  return m[1]!;
}
