/**
 * The size habit of src/, checked in CI (`npm run lint`): no source file over 300 lines
 * (generated files excepted), so a file stays one idea a reader can hold.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const MAX_LINES = 300;

function* sourceFiles(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) yield* sourceFiles(full);
    else if (entry.name.endsWith('.ts') && !entry.name.startsWith('generated-')) yield full;
  }
}

/** Files of `dir` over the limit, as `path: N lines`. */
export function oversized(dir: string = join(ROOT, 'src'), max: number = MAX_LINES): string[] {
  const out: string[] = [];
  for (const file of sourceFiles(dir)) {
    const lines = readFileSync(file, 'utf8').split('\n').length - 1;
    if (lines > max) out.push(`${relative(ROOT, file)}: ${lines} lines (over ${max})`);
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const found = oversized();
  for (const f of found) process.stderr.write(`${f}\n`);
  process.stdout.write(found.length ? `size: ${found.length} file(s) over ${MAX_LINES} lines\n` : 'size: ok\n');
  process.exitCode = found.length ? 1 : 0;
}
