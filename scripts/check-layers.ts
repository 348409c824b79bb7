/**
 * The layer rule of src/, checked in CI (`npm run lint`): each folder imports only from the
 * folders below it, so there is no import cycle between folders.
 *
 *   core ← kinds ← manifests ← (approvals, report, export) ← pipeline ← server ← cli
 *   core ← cluster, git, host (adapters: core only) ← pipeline
 *
 * Prints every import that breaks the rule (`file:line: a → b`) and exits 1 when there is one.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'src');

/** Which folders (or top-level files, without `.ts`) each folder may import from. */
const ALLOWED: Record<string, readonly string[]> = {
  core: [],
  log: ['core'],
  kinds: ['core'],
  manifests: ['core', 'kinds'],
  cluster: ['core'],
  git: ['core'],
  host: ['core'],
  config: ['core', 'host'],
  approvals: ['core', 'kinds', 'host'],
  report: ['core', 'approvals'],
  export: ['core', 'kinds', 'manifests'],
  pipeline: ['core', 'log', 'kinds', 'manifests', 'approvals', 'report', 'cluster', 'git', 'host'],
  server: ['core', 'log', 'pipeline', 'approvals'],
  cli: [
    'core',
    'log',
    'kinds',
    'manifests',
    'approvals',
    'report',
    'export',
    'cluster',
    'git',
    'host',
    'config',
    'pipeline',
    'server',
  ],
};

const IMPORT = /(?:from\s+|import\s*\(\s*)'(\.{1,2}\/[^']+)'/g;

function* sourceFiles(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) yield* sourceFiles(full);
    else if (entry.name.endsWith('.ts')) yield full;
  }
}

/** The layer a file of src/ belongs to: its top folder, or its name for a top-level file. */
function layerOf(src: string, file: string): string {
  const [first, ...rest] = relative(src, file).split('/');
  return rest.length ? first! : first!.replace(/\.ts$/, '');
}

/** Every import of src/ that crosses into a folder the rule does not allow. */
export function layerViolations(src: string = SRC): string[] {
  const out: string[] = [];
  for (const file of sourceFiles(src)) {
    const from = layerOf(src, file);
    const allowed = ALLOWED[from];
    const lines = readFileSync(file, 'utf8').split('\n');
    lines.forEach((text, i) => {
      for (const m of text.matchAll(IMPORT)) {
        const target = resolve(dirname(file), m[1]!);
        if (!target.startsWith(src)) continue;
        const to = layerOf(src, target);
        if (to === from) continue;
        const where = `${relative(src, file)}:${i + 1}`;
        if (!allowed) out.push(`${where}: ${from} is in no layer (add it to scripts/check-layers.ts)`);
        else if (!allowed.includes(to)) out.push(`${where}: ${from} → ${to} is not allowed`);
      }
    });
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const problems = layerViolations();
  for (const p of problems) process.stderr.write(`src/${p}\n`);
  process.stdout.write(problems.length ? `layers: ${problems.length} import(s) against the rule\n` : 'layers: ok\n');
  process.exitCode = problems.length ? 1 : 0;
}
