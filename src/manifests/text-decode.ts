/**
 * Turns a manifest file's bytes into text the way kubectl's YAML decoder accepts it, or says
 * where it would refuse. kubectl reads manifests with go-yaml (sigs.k8s.io/yaml), whose reader
 * (yaml_parser_update_buffer in readerc.go) refuses the whole stream on the first byte that is
 * not valid UTF-8 and on any character outside YAML's printable set:
 *   #x9 | #xA | #xD | [#x20-#x7E] | #x85 | [#xA0-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]
 * with the message "control characters are not allowed". The check covers the raw text
 * (scalars, keys and comments alike); escapes such as "\x00" in double-quoted strings are
 * YAML syntax, not raw bytes, and kubectl accepts them, so they are accepted here too.
 *
 * Decoding never replaces a bad byte with U+FFFD: what the reviewer saw must be what is applied.
 */

/** The decoded text, or the first byte kubectl would refuse (0-based byte offset). */
export type DecodedText = { text: string } | { offset: number; line: number; col: number; message: string };

const HEX = (n: number, width: number): string => n.toString(16).toUpperCase().padStart(width, '0');

/** Names of the C0 controls people meet in files, for readable messages. */
const CONTROL_NAMES: Record<number, string> = {
  0: 'NUL',
  7: 'BEL',
  8: 'BS',
  11: 'VT',
  12: 'FF',
  27: 'ESC',
  127: 'DEL',
};

function allowedChar(cp: number): boolean {
  return (
    cp === 0x09 ||
    cp === 0x0a ||
    cp === 0x0d ||
    (cp >= 0x20 && cp <= 0x7e) ||
    cp === 0x85 ||
    (cp >= 0xa0 && cp <= 0xd7ff) ||
    (cp >= 0xe000 && cp <= 0xfffd) ||
    (cp >= 0x10000 && cp <= 0x10ffff)
  );
}

interface BadByte {
  offset: number;
  message: string;
}

/** go-yaml's UTF-8 reader step: the width of the character at `i`, or why it is refused. */
function scanChar(bytes: Uint8Array, i: number): { width: number; cp: number } | BadByte {
  const lead = bytes[i] as number;
  const width =
    (lead & 0x80) === 0 ? 1 : (lead & 0xe0) === 0xc0 ? 2 : (lead & 0xf0) === 0xe0 ? 3 : (lead & 0xf8) === 0xf0 ? 4 : 0;
  if (width === 0) return { offset: i, message: `invalid leading UTF-8 octet 0x${HEX(lead, 2)}` };
  if (i + width > bytes.length) return { offset: i, message: 'incomplete UTF-8 octet sequence at the end of the file' };
  let cp = width === 1 ? lead : lead & (width === 2 ? 0x1f : width === 3 ? 0x0f : 0x07);
  for (let k = 1; k < width; k++) {
    const b = bytes[i + k] as number;
    if ((b & 0xc0) !== 0x80) return { offset: i, message: `invalid trailing UTF-8 octet 0x${HEX(b, 2)}` };
    cp = (cp << 6) + (b & 0x3f);
  }
  const shortest =
    width === 1 || (width === 2 && cp >= 0x80) || (width === 3 && cp >= 0x800) || (width === 4 && cp >= 0x10000);
  if (!shortest) return { offset: i, message: 'invalid length of a UTF-8 sequence (overlong encoding)' };
  if ((cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) {
    return { offset: i, message: `invalid Unicode character U+${HEX(cp, 4)}` };
  }
  return { width, cp };
}

/** The first byte kubectl's decoder refuses, or undefined when the whole file is acceptable. */
export function findRefusedByte(bytes: Uint8Array): BadByte | undefined {
  let i = 0;
  while (i < bytes.length) {
    const step = scanChar(bytes, i);
    if ('message' in step) {
      return { offset: step.offset, message: `invalid UTF-8: ${step.message}; save the file as UTF-8` };
    }
    if (!allowedChar(step.cp)) {
      const name = CONTROL_NAMES[step.cp] ? ` ${CONTROL_NAMES[step.cp]}` : '';
      const escaped = `"\\x${HEX(step.cp, 2)}"`;
      const hint = step.cp <= 0xff ? `; if you mean it, write the escape ${escaped} in a double-quoted string` : '';
      return { offset: i, message: `control characters are not allowed (U+${HEX(step.cp, 4)}${name})${hint}` };
    }
    i += step.width;
  }
  return undefined;
}

/**
 * Decodes UTF-8 strictly (TextDecoder with `fatal`), after finding the first refused byte
 * itself so the error can say `line:col` (columns count UTF-16 units after a leading BOM, as
 * every other position does).
 */
export function decodeManifestText(bytes: Uint8Array): DecodedText {
  const bad = findRefusedByte(bytes);
  if (!bad) return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
  let lineStart = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  let line = 1;
  for (let i = 0; i < bad.offset; i++) {
    if (bytes[i] === 0x0a) {
      line++;
      lineStart = i + 1;
    }
  }
  // Everything before the bad byte is valid, so decoding the line's prefix cannot throw.
  const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  const prefix = strict.decode(bytes.subarray(lineStart, bad.offset));
  const col = prefix.length + 1;
  return { offset: bad.offset, line, col, message: bad.message };
}
