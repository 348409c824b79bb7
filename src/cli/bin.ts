#!/usr/bin/env -S node --max-semi-space-size=1
/**
 * The `modsync` executable. It checks the Node version before loading anything else: modsync
 * needs Node 24 and would fail on an older Node with an obscure error from deep inside a
 * dependency.
 *
 * Built (scripts/build.ts), it runs the one-file bundle next to it (`modsync.cjs`) through a V8
 * code cache of its own, one per command: a CronJob run is a new process every time, and V8
 * compiles most functions lazily, when first called. Node's compile cache keeps what was
 * compiled while a module loaded, so every run compiled the same functions again; the cache
 * written here after a command finished holds the functions that command ran (bench/README.md
 * has the numbers). It lives in `$MODSYNC_CACHE_DIR/code-cache` (the chart's cache volume),
 * else under `NODE_COMPILE_CACHE` or the OS temp dir; V8 refuses a cache made by another Node
 * or for another bundle, and a refused or missing one is written anew after a run that
 * succeeded; runBundle says which runs' caches are kept, removeStale when another build's go.
 * Writing is best effort; a folder or file another user could write is not used.
 * From the sources (no bundle next to this file) it imports main.ts. Built, this file is
 * CommonJS (dist/package.json), which Node starts sooner than an ES module.
 *
 * The shebang caps V8's young generation at 1 MiB semi-spaces: a sync allocates much
 * short-lived garbage (parsed YAML and JSON), and the default young generation grows to tens of
 * MiB of peak RSS for it at no gain in time (bench/README.md). It only takes effect as a
 * command-line flag, hence `env -S`.
 */
// Namespace imports: from the sources, a named one would fail to link on the old Node this file
// must still greet.
import * as fs from 'node:fs';
import * as nodeModule from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import * as url from 'node:url';
import * as vm from 'node:vm';

type Main = (argv: string[]) => Promise<number>;

/** Commands with a cache of their own; anything else (`--help`, a typo) shares one. */
const CACHED_COMMANDS = new Set(['sync', 'plan', 'validate', 'status', 'run', 'approve', 'export']);

/** The command's cache files: one written after a steady run, one after a run that did work. */
function cacheFiles(bundle: string): { steady: string; busy: string } {
  const dir = process.env.MODSYNC_CACHE_DIR
    ? path.join(process.env.MODSYNC_CACHE_DIR, 'code-cache')
    : path.join(process.env.NODE_COMPILE_CACHE || path.join(os.tmpdir(), 'modsync-compile-cache'), 'modsync');
  const command = CACHED_COMMANDS.has(process.argv[2] ?? '') ? process.argv[2] : 'other';
  const { size, mtimeMs } = fs.statSync(bundle);
  const base = path.join(dir, `${command}-${process.version}-${size}-${Math.round(mtimeMs)}`);
  return { steady: `${base}.steady.v8`, busy: `${base}.v8` };
}

/**
 * A code cache is code: it is used only from a folder and file this user owns that no other
 * user can write (the temp dir is shared, and V8 checks a cache for fit, not for origin).
 */
function ownedAndPrivate(p: string): boolean {
  try {
    const st = fs.statSync(p);
    return st.uid === process.getuid?.() && (st.mode & 0o002) === 0;
  } catch {
    return false;
  }
}

function writeQuietly(file: string, data: Buffer): void {
  try {
    const dir = path.dirname(file);
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (!ownedAndPrivate(dir)) return;
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, data);
    fs.renameSync(tmp, file);
  } catch {
    // A read-only or full disk costs the next run some compiling, nothing else.
  }
}

/** A day: another build's cache untouched that long is an upgrade's leftover. */
const STALE_MS = 24 * 60 * 60 * 1000;

/**
 * Removes the command's caches of other builds or Node versions written over a day ago: what
 * upgrades leave behind. A build run beside this one (two versions sharing the folder) keeps
 * its cache meanwhile; at worst it writes it again once a day.
 */
function removeStale(files: { steady: string; busy: string }): void {
  try {
    const dir = path.dirname(files.busy);
    if (!ownedAndPrivate(dir)) return; // a folder other users can write is left alone, as for reading
    const command = `${path.basename(files.busy).split('-v')[0]}-v`; // e.g. `sync-v`: any build
    const current = [path.basename(files.steady), path.basename(files.busy)];
    for (const name of fs.readdirSync(dir)) {
      if (!name.startsWith(command) || !name.endsWith('.v8') || current.includes(name)) continue;
      const file = path.join(dir, name);
      if (Date.now() - fs.statSync(file).mtimeMs > STALE_MS) fs.rmSync(file);
    }
  } catch {
    // Left for a later run.
  }
}

function removeQuietly(file: string): void {
  try {
    fs.rmSync(file, { force: true });
  } catch {
    // Left in place: the next run reads it again, nothing worse.
  }
}

/** The first of `files` this user can trust, read. */
function readCache(files: string[]): { file: string; data: Buffer } | undefined {
  for (const file of files) {
    try {
      if (ownedAndPrivate(path.dirname(file)) && ownedAndPrivate(file)) return { file, data: fs.readFileSync(file) };
    } catch {
      // unreadable: try the next, or compile
    }
  }
  return undefined;
}

/** What the bundle exports (src/cli/main.ts). */
interface Bundle {
  main?: Main;
  steadyRun?: () => boolean;
}

/**
 * Runs the bundle with the command's code cache. After a run that went all the way (0; 2 is a
 * plan with changes) with no usable cache, the cache is written. A cache also holds the code a
 * run that did work compiled (apply, git objects), which every no-op run then deserialises
 * (~6 ms at N=10, bench/README.md): once a run is steady (bundle's `steadyRun`), such a cache
 * goes, and the next run writes one of its own. A CronJob's runs are mostly no-ops.
 */
async function runBundle(bundle: string, argv: string[]): Promise<number> {
  const files = cacheFiles(bundle);
  const cached = readCache([files.steady, files.busy]);
  const source = `(function (exports, require, module, __filename, __dirname) {${fs.readFileSync(bundle, 'utf8')}\n})`;
  const script = new vm.Script(source, {
    filename: bundle,
    ...(cached ? { cachedData: cached.data } : {}),
    importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  const mod: { exports: Bundle } = { exports: {} };
  const wrapper = script.runInThisContext() as (...args: unknown[]) => void;
  wrapper(mod.exports, nodeModule.createRequire(bundle), mod, bundle, path.dirname(bundle));
  const code = await mod.exports.main!(argv);
  if (code === 0 || code === 2) {
    const steady = mod.exports.steadyRun?.() !== false;
    if (!cached || script.cachedDataRejected) {
      writeQuietly(steady ? files.steady : files.busy, script.createCachedData());
    } else if (steady && cached.file === files.busy) {
      removeQuietly(files.busy);
    }
    removeStale(files);
  }
  return code;
}

/** The bundle next to this file when built; main.ts from the sources otherwise. */
async function start(argv: string[]): Promise<number> {
  const bundle = url.fileURLToPath(new URL('./modsync.cjs', import.meta.url));
  if (fs.existsSync(bundle)) return runBundle(bundle, argv);
  const { main } = await import('./main.ts');
  return main(argv);
}

const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  process.stderr.write(
    `modsync needs Node.js 24 or newer; this is ${process.version}. In a checkout, "npm ci" installs Node 24 into node_modules/.bin.\n`,
  );
  process.exitCode = 64;
} else {
  nodeModule.enableCompileCache?.();
  // No top-level await: built, this file is CommonJS (scripts/build.ts).
  void start(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
    // Done: exit now instead of when the event loop drains, after which Node frees its whole
    // heap, a cost every CronJob run pays for nothing (~2 ms at 10 objects, more at 1000).
    // What the run wrote to stdout and stderr is out (a pipe or file is written synchronously);
    // output still queued (a terminal on some systems) is waited for the usual way.
    if (!process.stdout.writableLength && !process.stderr.writableLength) process.exit();
  });
}
