#!/usr/bin/env node
/**
 * The `modsync` executable. It checks the Node version before loading anything else: the
 * Kubernetes client needs Node 24 and would fail on an older Node with an obscure error from
 * deep inside its HTTP library.
 */
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  process.stderr.write(`modsync needs Node.js 24 or newer; this is ${process.version}. In a checkout, "npm ci" installs Node 24 into node_modules/.bin.\n`);
  process.exitCode = 64;
} else {
  const { main } = await import('./main.ts');
  process.exitCode = await main(process.argv.slice(2));
}
