/**
 * The one escaping helper for human-readable output (validate's text and GitHub annotations,
 * the status README, pull-request bodies). Values come from git and the cluster, so a value
 * with a newline could split one issue over two lines or forge a `file:line: error:` line in a
 * CI log, and an ESC could rewrite a terminal. Escaped text is always a single line.
 */

/** How `escapeText` treats line breaks. */
export interface EscapeOptions {
  /** Leave LF and CR as they are (for formats with their own line escaping, such as GitHub's %0A). */
  keepNewlines?: boolean;
}

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

// C0 controls, DEL, C1 controls, and the Unicode line/paragraph separators (which some
// viewers break lines on) plus the bidi overrides/isolates (which can reorder what is shown).
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** `text` with every unsafe character written as `\n`, `\t`, `\x1b` or `\u2028`. */
export function escapeText(text: string, opts: EscapeOptions = {}): string {
  return text.replace(UNSAFE, (ch) => {
    if (opts.keepNewlines && (ch === '\n' || ch === '\r')) return ch;
    const named = NAMED[ch];
    if (named) return named;
    const code = ch.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}
