#!/usr/bin/env node
/**
 * `npm run dkp-sim -- --port 18443 --kubeconfig /tmp/dkp.kubeconfig [--catalog catalog.yaml] [--tick-ms N]
 * [--deckhouse-version X.Y]`: runs dkp-sim in the foreground, prints one line when ready, stops on
 * SIGINT/SIGTERM.
 */
import { parseArgs } from 'node:util';
import { start, type StartOptions } from './index.ts';

const USAGE =
  'usage: dkp-sim [--port N] [--kubeconfig PATH] [--catalog FILE] [--tick-ms N] [--no-controller]' +
  ' [--deckhouse-version X.Y]';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '0' },
      kubeconfig: { type: 'string' },
      catalog: { type: 'string' },
      'tick-ms': { type: 'string' },
      'no-controller': { type: 'boolean', default: false },
      'deckhouse-version': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port: not a port number: ${values.port}`);
  const opts: StartOptions = { port };
  if (values.kubeconfig) opts.kubeconfigPath = values.kubeconfig;
  if (values.catalog) opts.catalogFile = values.catalog;
  if (values['tick-ms']) {
    const tick = Number(values['tick-ms']);
    if (!Number.isInteger(tick) || tick <= 0)
      throw new Error(`--tick-ms: not a positive integer: ${values['tick-ms']}`);
    opts.tickMs = tick;
  }
  if (values['no-controller']) opts.controller = false;
  if (values['deckhouse-version'] !== undefined) opts.deckhouseVersion = values['deckhouse-version'];
  const sim = await start(opts);
  process.stdout.write(`dkp-sim ready at ${sim.url} (kubeconfig ${sim.kubeconfigPath})\n`);
  const shutdown = (): void => {
    sim.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch((err: unknown) => {
  process.stderr.write(`dkp-sim: ${err instanceof Error ? err.message : String(err)}\n${USAGE}\n`);
  process.exitCode = 2;
});
