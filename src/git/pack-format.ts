/**
 * Git packfiles with Node's native zlib and hashing: read objects out of a pack (deltas
 * resolved), index a received pack (the `.idx` v2 file git and isomorphic-git read), parse an
 * index. isomorphic-git does the same in JavaScript (pako inflate, one async digest per object),
 * which made a 1,000-file clone several times slower than `git clone`; the formats are git's
 * own (Documentation/gitformat-pack.txt in git/git).
 */
import { createHash } from 'node:crypto';

/**
 * node:zlib, loaded on first use: a no-op run reads no git objects and need not load it.
 * (process.getBuiltinModule: a static import would load it with the module.)
 */
export function zlib(): typeof import('node:zlib') {
  return process.getBuiltinModule('node:zlib');
}

/** The four object kinds a pack stores (deltas resolve to one of them). */
export type ObjectType = 'commit' | 'tree' | 'blob' | 'tag';

/** One object's kind and its content (without git's `type size\0` header). */
export interface GitObject {
  type: ObjectType;
  content: Buffer;
}

const TYPES: Record<number, ObjectType> = { 1: 'commit', 2: 'tree', 3: 'blob', 4: 'tag' };
const OFS_DELTA = 6;
const REF_DELTA = 7;
/** Resolved objects kept for deltas to build on; past this many bytes the cache starts over. */
const BASE_CACHE_BYTES = 32 * 1024 * 1024;

/** Git's object id: SHA-1 of `type size\0content`. */
export function objectId(type: ObjectType, content: Buffer): string {
  return createHash('sha1').update(`${type} ${content.length}\0`).update(content).digest('hex');
}

interface EntryHeader {
  /** 1-4 for whole objects, 6/7 for deltas. */
  kind: number;
  /** Inflated size of the entry's data. */
  size: number;
  /** Offset of the zlib stream. */
  dataAt: number;
  baseOffset?: number;
  baseOid?: string;
}

function readHeader(pack: Buffer, start: number): EntryHeader {
  let pos = start;
  let c = pack[pos++]!;
  const kind = (c >> 4) & 7;
  let size = c & 15;
  let shift = 4;
  while (c & 0x80) {
    c = pack[pos++]!;
    size += (c & 0x7f) * 2 ** shift;
    shift += 7;
  }
  if (kind === OFS_DELTA) {
    c = pack[pos++]!;
    let back = c & 0x7f;
    while (c & 0x80) {
      c = pack[pos++]!;
      back = (back + 1) * 128 + (c & 0x7f);
    }
    return { kind, size, dataAt: pos, baseOffset: start - back };
  }
  if (kind === REF_DELTA) return { kind, size, dataAt: pos + 20, baseOid: pack.toString('hex', pos, pos + 20) };
  if (!TYPES[kind]) throw new Error(`packfile: unknown object type ${kind} at offset ${start}`);
  return { kind, size, dataAt: pos };
}

/** Inflates the zlib stream at `at`; `end` is where the stream stopped in the pack. */
function inflateAt(pack: Buffer, at: number, size: number): { data: Buffer; end: number } {
  // zlib never grows data by more than a few bytes per 16 KiB block: read a bounded slice first.
  const bounded = Math.min(pack.length, at + size + (size >> 8) + 64);
  let out: { buffer: Buffer; engine: { bytesWritten: number } };
  try {
    out = zlib().inflateSync(pack.subarray(at, bounded), { info: true }) as unknown as typeof out;
  } catch {
    out = zlib().inflateSync(pack.subarray(at), { info: true }) as unknown as typeof out;
  }
  if (out.buffer.length !== size) {
    throw new Error(`packfile: object at ${at} inflated to ${out.buffer.length} bytes, expected ${size}`);
  }
  return { data: out.buffer, end: at + out.engine.bytesWritten };
}

function readVarint(delta: Buffer, pos: number): [number, number] {
  let value = 0;
  let shift = 0;
  let c: number;
  do {
    c = delta[pos++]!;
    value += (c & 0x7f) * 2 ** shift;
    shift += 7;
  } while (c & 0x80);
  return [value, pos];
}

/** Applies a git delta (copy/insert instructions) to `base`. */
export function applyDelta(delta: Buffer, base: Buffer): Buffer {
  let [baseSize, pos] = readVarint(delta, 0);
  if (baseSize !== base.length) throw new Error(`packfile: delta expects a ${baseSize}-byte base, got ${base.length}`);
  let size: number;
  [size, pos] = readVarint(delta, pos);
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  while (pos < delta.length) {
    const op = delta[pos++]!;
    if (op & 0x80) {
      let offset = 0;
      let length = 0;
      for (let i = 0; i < 4; i++) if (op & (1 << i)) offset += delta[pos++]! * 2 ** (8 * i);
      for (let i = 0; i < 3; i++) if (op & (1 << (4 + i))) length += delta[pos++]! * 2 ** (8 * i);
      if (length === 0) length = 0x10000;
      if (offset + length > base.length || at + length > size) throw new Error('packfile: delta copies out of range');
      base.copy(out, at, offset, offset + length);
      at += length;
    } else if (op > 0) {
      if (at + op > size || pos + op > delta.length) throw new Error('packfile: delta inserts out of range');
      delta.copy(out, at, pos, pos + op);
      pos += op;
      at += op;
    } else {
      throw new Error('packfile: delta has a reserved instruction');
    }
  }
  if (at !== size) throw new Error(`packfile: delta produced ${at} bytes, expected ${size}`);
  return out;
}

/**
 * Reads objects out of one pack by offset, resolving delta chains and keeping resolved objects
 * for later deltas. `lookup` finds the offset of a ref-delta's base in the same pack.
 */
export class PackReader {
  private readonly pack: Buffer;
  private readonly lookup: (oid: string) => number | undefined;
  private readonly cache = new Map<number, GitObject>();
  private cached = 0;

  constructor(pack: Buffer, lookup: (oid: string) => number | undefined) {
    this.pack = pack;
    this.lookup = lookup;
  }

  /** The object whose entry starts at `offset`. */
  readAt(offset: number): GitObject {
    const hit = this.cache.get(offset);
    if (hit) return hit;
    const h = readHeader(this.pack, offset);
    return this.resolve(offset, h, inflateAt(this.pack, h.dataAt, h.size).data);
  }

  /** Builds the object of entry `offset` from its inflated data (applying a delta to its base). */
  resolve(offset: number, h: EntryHeader, data: Buffer): GitObject {
    let obj: GitObject;
    if (h.kind !== OFS_DELTA && h.kind !== REF_DELTA) {
      obj = { type: TYPES[h.kind]!, content: data };
    } else {
      const baseAt = h.baseOffset ?? this.lookup(h.baseOid!);
      if (baseAt === undefined) throw new Error(`packfile: delta base ${h.baseOid} is not in the pack`);
      const base = this.readAt(baseAt);
      obj = { type: base.type, content: applyDelta(data, base.content) };
    }
    if (this.cached + obj.content.length > BASE_CACHE_BYTES) {
      this.cache.clear();
      this.cached = 0;
    }
    this.cache.set(offset, obj);
    this.cached += obj.content.length;
    return obj;
  }
}

/** A pack's index: object id → offset of its entry. */
export type PackOffsets = Map<string, number>;

/**
 * Indexes a received pack: checks its trailing checksum, computes every object's id (deltas
 * resolved against objects of the same pack; thin packs are not asked for) and returns the
 * `.idx` v2 file together with the offsets.
 */
export function indexPack(pack: Buffer): { idx: Buffer; offsets: PackOffsets; reader: PackReader } {
  if (pack.length < 32 || pack.toString('latin1', 0, 4) !== 'PACK') throw new Error('packfile: bad header');
  const version = pack.readUInt32BE(4);
  if (version !== 2 && version !== 3) throw new Error(`packfile: unsupported version ${version}`);
  const trailer = pack.subarray(pack.length - 20);
  if (
    !createHash('sha1')
      .update(pack.subarray(0, pack.length - 20))
      .digest()
      .equals(trailer)
  ) {
    throw new Error('packfile: checksum mismatch (truncated or corrupt download)');
  }
  const count = pack.readUInt32BE(8);
  const offsets: PackOffsets = new Map();
  const reader = new PackReader(pack, (oid) => offsets.get(oid));
  const crcs = new Map<number, number>();
  const pending: { offset: number; h: EntryHeader; data: Buffer }[] = [];
  let pos = 12;
  for (let i = 0; i < count; i++) {
    const h = readHeader(pack, pos);
    const { data, end } = inflateAt(pack, h.dataAt, h.size);
    crcs.set(pos, zlib().crc32(pack.subarray(pos, end)));
    if (h.baseOid !== undefined && !offsets.has(h.baseOid)) pending.push({ offset: pos, h, data });
    else {
      const obj = reader.resolve(pos, h, data);
      offsets.set(objectId(obj.type, obj.content), pos);
    }
    pos = end;
  }
  if (pos !== pack.length - 20) throw new Error('packfile: trailing data after the last object');
  // Ref-deltas whose base comes later in the pack, until none is left or none can be resolved.
  while (pending.length > 0) {
    const before = pending.length;
    for (let i = pending.length - 1; i >= 0; i--) {
      const p = pending[i]!;
      if (!offsets.has(p.h.baseOid!)) continue;
      const obj = reader.resolve(p.offset, p.h, p.data);
      offsets.set(objectId(obj.type, obj.content), p.offset);
      pending.splice(i, 1);
    }
    if (pending.length === before) throw new Error(`packfile: delta base ${pending[0]!.h.baseOid} is not in the pack`);
  }
  return { idx: writeIdx(offsets, crcs, trailer), offsets, reader };
}

function writeIdx(offsets: PackOffsets, crcs: Map<number, number>, packChecksum: Buffer): Buffer {
  const oids = [...offsets.keys()].sort();
  const n = oids.length;
  const large = oids.filter((o) => offsets.get(o)! > 0x7fffffff);
  const buf = Buffer.alloc(8 + 256 * 4 + n * 28 + large.length * 8 + 40);
  buf.write('ff744f63', 0, 'hex');
  buf.writeUInt32BE(2, 4);
  const fanout = new Array<number>(256).fill(0);
  for (const oid of oids) fanout[parseInt(oid.slice(0, 2), 16)]!++;
  let total = 0;
  for (let i = 0; i < 256; i++) {
    total += fanout[i]!;
    buf.writeUInt32BE(total, 8 + i * 4);
  }
  let at = 8 + 1024;
  for (const oid of oids) at += buf.write(oid, at, 'hex');
  for (const oid of oids) at = buf.writeUInt32BE(crcs.get(offsets.get(oid)!)!, at);
  let next = 0;
  for (const oid of oids) {
    const offset = offsets.get(oid)!;
    at = buf.writeUInt32BE(offset > 0x7fffffff ? (0x80000000 | next++) >>> 0 : offset, at);
  }
  for (const oid of large) {
    const offset = offsets.get(oid)!;
    at = buf.writeUInt32BE(Math.floor(offset / 2 ** 32), at);
    at = buf.writeUInt32BE(offset >>> 0, at);
  }
  at += packChecksum.copy(buf, at);
  createHash('sha1').update(buf.subarray(0, at)).digest().copy(buf, at);
  return buf;
}

/** Parses an `.idx` v2 file into object id → pack offset. */
export function readIdx(idx: Buffer): PackOffsets {
  if (idx.length < 8 + 1024 + 40 || idx.readUInt32BE(0) !== 0xff744f63 || idx.readUInt32BE(4) !== 2) {
    throw new Error('pack index: not a version 2 index');
  }
  const n = idx.readUInt32BE(8 + 255 * 4);
  const oidsAt = 8 + 1024;
  const offsetsAt = oidsAt + n * 24;
  const largeAt = offsetsAt + n * 4;
  const out: PackOffsets = new Map();
  for (let i = 0; i < n; i++) {
    let offset = idx.readUInt32BE(offsetsAt + i * 4);
    if (offset & 0x80000000) {
      const at = largeAt + (offset & 0x7fffffff) * 8;
      offset = idx.readUInt32BE(at) * 2 ** 32 + idx.readUInt32BE(at + 4);
    }
    out.set(idx.toString('hex', oidsAt + i * 20, oidsAt + i * 20 + 20), offset);
  }
  return out;
}
