/**
 * Builds the CLI that `npx modsync`, the image and the chart run: `dist/modsync.js` and the
 * chunks it loads on demand (one per command's code, split at its dynamic imports), with every
 * dependency bundled in.
 *
 * Why a bundle: a CronJob run is a fresh process, and from separate files Node resolves, reads
 * and links ~380 modules (package.json lookups, stats, realpaths) before the first request;
 * one file per command does the same work in one read. bench/README.md has the measurement.
 *
 * Left out of the bundle: client-node's main entry, which the cluster client loads only for
 * kubeconfigs it does not handle itself (auth providers, proxy-url; src/cluster/kube-access.ts):
 * it stays a runtime import from node_modules, as do the rare `createRequire` loads of ajv's
 * compiler for schemas that were not generated at build time.
 *
 * Usage: node scripts/build.ts [outdir]   (default dist)
 */
import { createHash } from 'node:crypto';
import { chmodSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const outdir = path.resolve(process.argv[2] ?? path.join(root, 'dist'));

/** The same fingerprint src/manifests/desired-cache.ts computes from the sources when unbundled. */
function loaderFingerprint(): string {
  const hash = createHash('sha256');
  for (const folder of ['manifests', 'kinds', 'core']) {
    const dir = path.join(root, 'src', folder);
    for (const name of readdirSync(dir).sort()) {
      if (!/\.(ts|js)$/.test(name)) continue;
      hash.update(name).update(readFileSync(path.join(dir, name)));
    }
  }
  return hash.digest('hex');
}

/** client-node's main entry (not its deep imports) stays external. */
const clientNodeEntry: Plugin = {
  name: 'client-node-entry',
  setup(b) {
    b.onResolve({ filter: /^@kubernetes\/client-node$/ }, (args) => ({ path: args.path, external: true }));
  },
};

rmSync(outdir, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: { modsync: 'src/cli/bin.ts' },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node24',
  chunkNames: 'chunks/[name]-[hash]',
  // The bundled CommonJS packages call require() for Node's own modules.
  banner: {
    js: "import { createRequire as __modsyncRequire } from 'node:module';\nconst require = __modsyncRequire(import.meta.url);",
  },
  define: { MODSYNC_LOADER_FINGERPRINT: JSON.stringify(loaderFingerprint()) },
  plugins: [clientNodeEntry],
  logLevel: 'warning',
});
chmodSync(path.join(outdir, 'modsync.js'), 0o755);
