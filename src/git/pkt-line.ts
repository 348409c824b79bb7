/**
 * git's pkt-line framing (gitprotocol-common.txt in git/git): 4 hex digits of length, counting
 * themselves, then the payload; `0000` is a flush packet. Used by the ref advertisement and
 * the upload-pack exchange.
 */

/** One pkt-line holding `text`. */
export function pktLine(text: string): Buffer {
  const body = Buffer.from(text, 'utf8');
  return Buffer.concat([Buffer.from((body.length + 4).toString(16).padStart(4, '0'), 'latin1'), body]);
}

/**
 * The payloads of the pkt-lines in `body`, null for each flush packet. A malformed length
 * throws what `fail` makes of the message (each caller reports its own kind of bad answer).
 */
export function readPktLines(body: Buffer, what: string, fail: (message: string) => Error): (Buffer | null)[] {
  const out: (Buffer | null)[] = [];
  let pos = 0;
  while (pos < body.length) {
    const len = Number.parseInt(body.toString('latin1', pos, pos + 4), 16);
    if (!Number.isInteger(len) || (len > 0 && len < 4) || pos + Math.max(len, 4) > body.length) {
      throw fail(`malformed pkt-line at byte ${pos} of ${what}`);
    }
    out.push(len === 0 ? null : body.subarray(pos + 4, pos + len));
    pos += Math.max(len, 4);
  }
  return out;
}
