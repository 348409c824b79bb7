/**
 * Builds the CLI that `npx modsync`, the image and the chart run, into `dist/`:
 * - `modsync.js`, the executable (src/cli/bin.ts): checks Node, then runs
 * - `modsync.cjs`, every module of the CLI and its dependencies in one CommonJS file, through a
 *   V8 code cache per command that bin.ts writes after a run.
 *
 * Why: a CronJob run is a fresh process. From separate files Node resolved, read and linked
 * ~380 modules at every start, and V8 compiled again every function a run calls. One file
 * loads in one read, and one script (not a module graph) can take a code cache written after
 * the run, with the functions compiled lazily during it. bench/README.md has the numbers.
 * Dynamic imports inside the CLI stay lazy (esbuild runs such a module's body on first use).
 *
 * Left out of the bundle: client-node's main entry, which the cluster client loads only for
 * kubeconfigs it does not handle itself (auth providers, proxy-url; src/cluster/kube-access.ts):
 * it stays a runtime import from node_modules, as do the rare `createRequire` loads of ajv's
 * compiler for schemas that were not generated at build time.
 *
 * Usage: node scripts/build.ts [outdir]   (default dist)
 */
import { chmodSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { loaderSourcesFingerprint } from '../src/manifests/desired-cache.ts';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const outdir = path.resolve(process.argv[2] ?? path.join(root, 'dist'));

/** client-node's main entry (not its deep imports) stays external. */
const clientNodeEntry: Plugin = {
  name: 'client-node-entry',
  setup(b) {
    b.onResolve({ filter: /^@kubernetes\/client-node$/ }, (args) => ({ path: args.path, external: true }));
  },
};

/**
 * node:assert for sonic-boom and thread-stream (pino's file and worker destinations, which
 * modsync's logger does not use) is required when it is called, not when they load: loading it
 * costs a CronJob run ~1.5 ms, more when it sets up stderr to learn its colours. Both only call
 * `assert(value, message)`.
 */
const lazyAssert: Plugin = {
  name: 'lazy-assert',
  setup(b) {
    b.onResolve({ filter: /^assert$/ }, (args) =>
      /[\\/]node_modules[\\/](sonic-boom|thread-stream)[\\/]/.test(args.importer)
        ? { path: 'lazy-assert', namespace: 'lazy-assert' }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'lazy-assert' }, () => ({
      contents: 'module.exports = (...args) => require("node:assert")(...args);',
      loader: 'js',
    }));
  },
};

/**
 * The bundle must be ASCII: a single other character makes V8 hold the whole 1.3 MB source as a
 * two-byte string, which took ~3.5 ms to read at every start instead of ~1.5, and twice the
 * memory. esbuild escapes strings and templates but not regular expression literals (nor a
 * tagged template's raw text, where an escape would change the value), so those must be
 * written with escapes; isomorphic-git has one with a literal U+FFFF, escaped as it loads.
 */
const asciiRegexps: Plugin = {
  name: 'ascii-regexps',
  setup(b) {
    b.onLoad({ filter: /[\\/]node_modules[\\/]isomorphic-git[\\/].*\.c?js$/ }, (args) => ({
      contents: readFileSync(args.path, 'utf8').replaceAll('\uffff', '\\uffff'),
      loader: 'js',
    }));
  },
};

function assertAscii(file: string): void {
  const at = readFileSync(file, 'utf8').search(/[^\0-\x7f]/);
  if (at >= 0)
    throw new Error(`${file}: a non-ASCII character at offset ${at} (escape it in the source: see asciiRegexps)`);
}

rmSync(outdir, { recursive: true, force: true });
const common = {
  absWorkingDir: root,
  bundle: true,
  platform: 'node',
  target: 'node24',
  logLevel: 'warning',
} as const;
// The executable: node: modules only; main.ts is its fallback when run from the sources.
// CommonJS (dist/package.json says so): Node starts a CommonJS entry ~3.5 ms sooner than an ES
// module, whose loader it would set up for this one small file.
await build({
  ...common,
  entryPoints: ['src/cli/bin.ts'],
  outfile: path.join(outdir, 'modsync.js'),
  format: 'cjs',
  banner: { js: 'var __modsyncUrl = require("node:url").pathToFileURL(__filename).href;' },
  define: { 'import.meta.url': '__modsyncUrl' },
  plugins: [
    {
      name: 'sources-fallback',
      setup(b) {
        b.onResolve({ filter: /^\.\/main\.ts$/ }, (args) => ({ path: args.path, external: true }));
      },
    },
  ],
});
await build({
  ...common,
  entryPoints: ['src/cli/main.ts'],
  outfile: path.join(outdir, 'modsync.cjs'),
  format: 'cjs',
  // Whitespace and syntax only: ~40% less to read and compile per run, names stay readable in stacks.
  minifyWhitespace: true,
  minifySyntax: true,
  // One file stands for every module: import.meta.url is the bundle's own URL (paths.ts walks up
  // from it to config/ and crds/), and no module is the process's entry.
  banner: { js: 'var __modsyncUrl = require("node:url").pathToFileURL(__filename).href;' },
  define: {
    'import.meta.url': '__modsyncUrl',
    'import.meta.main': 'false',
    MODSYNC_LOADER_FINGERPRINT: JSON.stringify(loaderSourcesFingerprint(path.join(root, 'src'))),
  },
  plugins: [clientNodeEntry, lazyAssert, asciiRegexps],
});
assertAscii(path.join(outdir, 'modsync.cjs'));
writeFileSync(path.join(outdir, 'package.json'), `${JSON.stringify({ type: 'commonjs' })}\n`);
chmodSync(path.join(outdir, 'modsync.js'), 0o755);
