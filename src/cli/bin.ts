#!/usr/bin/env -S node --max-semi-space-size=1
/**
 * The `modsync` executable. It checks the Node version before loading anything else: modsync
 * needs Node 24 and would fail on an older Node with an obscure error from deep inside a
 * dependency.
 *
 * It turns on Node's compile cache first: a CronJob run is a new process every time, and
 * reusing the compiled code of modsync and its dependencies saves part of every start-up
 * (`NODE_COMPILE_CACHE` chooses the folder, the image bakes one in; otherwise the OS temp dir).
 *
 * The shebang caps V8's young generation at 1 MiB semi-spaces: a sync allocates much
 * short-lived garbage (parsed YAML and JSON), and the default young generation grows to tens of
 * MiB of peak RSS for it at no gain in time (bench/README.md). It only takes effect as a
 * command-line flag, hence `env -S`.
 */
// A namespace import: a named one would fail to link on the old Node this file must still greet.
import * as nodeModule from 'node:module';

const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  process.stderr.write(
    `modsync needs Node.js 24 or newer; this is ${process.version}. In a checkout, "npm ci" installs Node 24 into node_modules/.bin.\n`,
  );
  process.exitCode = 64;
} else {
  nodeModule.enableCompileCache?.();
  const { main } = await import('./main.ts');
  process.exitCode = await main(process.argv.slice(2));
}
