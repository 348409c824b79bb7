/**
 * `npm start`: the whole modsync story on a laptop, no cluster needed. It starts dkp-sim (a
 * local DKP API with Deckhouse's module controller) and a `git http-backend` server holding
 * a repo seeded from `examples/`, then runs the real CLI step by step: plan, sync, modules
 * Ready, a release waiting for approval, its approval branch, the merge, the deploy, the
 * status report, and finally the daemon. Ctrl-C stops everything and removes the temp dirs.
 *
 * `DEMO_EXIT=1` or `--no-daemon`: exit after the story (0 when every step worked).
 */
import { join } from 'node:path';
import { startDemoEnv, type DemoEnv } from '../test/support/demo-env.ts';
import { listBranches, mergeBranch, readBranchFile } from '../test/support/git-repo.ts';
import { EXAMPLE_REPO } from '../test/dkp-sim/catalog.ts';
import {
  block,
  freePort,
  heading,
  releaseLines,
  say,
  startModsync,
  waitRelease,
  watchModules,
  type Child,
} from './demo-view.ts';

const APPROVAL_BRANCH = 'modsync/approve/module-two';
const NEW_RELEASE = 'module-two-v1.2.6';

/** A step that did not do what the story says: the demo stops with exit code 1. */
class StepFailed extends Error {}

function check(ok: boolean, what: string): void {
  if (!ok) throw new StepFailed(what);
}

let env: DemoEnv | undefined;
let running: Child | undefined;
let stopping: Promise<void> | undefined;

/** Stops the current child (daemon or CLI run) with SIGTERM, then the servers; removes temp dirs. */
function shutdown(): Promise<void> {
  stopping ??= (async () => {
    if (running && running.proc.exitCode === null) {
      running.proc.kill('SIGTERM');
      const killer = setTimeout(() => running?.proc.kill('SIGKILL'), 35_000);
      await running.done;
      clearTimeout(killer);
    }
    await env?.stop();
  })();
  return stopping;
}

/** What every modsync command of the demo is pointed at: the local repo, root and cluster. */
function targetFlags(e: DemoEnv): string[] {
  return [
    '--repo',
    e.repoUrl,
    '--path',
    e.root,
    '--kubeconfig',
    e.sim.kubeconfigPath,
    '--cache-dir',
    join(e.workDir, 'cache'),
    '--log-format',
    'pretty',
  ];
}

/** Runs one modsync command to completion, its output shown live; returns the exit code. */
async function modsync(args: string[]): Promise<number> {
  running = startModsync([...args, ...targetFlags(env!)]);
  const code = await running.done;
  say(`  exit code ${code}`);
  return code;
}

async function story(): Promise<void> {
  heading(1, 'Start a local DKP cluster (dkp-sim) and a git server');
  env = await startDemoEnv({ sim: { tickMs: 50 } });
  say(`dkp-sim (Kubernetes API + Deckhouse module controller): ${env.sim.url}`);
  say(`git server, repo seeded from examples/:                   ${env.repoUrl}`);
  say(`The desired state lives under ${env.root}/ in that repo (ModuleSource, policies, ModuleConfigs).`);
  say('Explore the cluster with kubectl from another terminal:');
  block(
    `export KUBECONFIG=${env.sim.kubeconfigPath}\nkubectl get modulesources,moduleconfigs,modules\nkubectl get modulereleases -w`,
  );

  heading(2, 'modsync plan: what would change (read-only, exit 2 = there are changes)');
  check((await modsync(['plan'])) === 2, 'plan should report changes (exit 2) on an empty cluster');

  heading(3, 'modsync sync: apply the repository to the cluster');
  const modules = watchModules(env.sim);
  check((await modsync(['sync'])) === 0, 'the first sync should succeed');

  heading(4, 'The modules reach Ready (what `kubectl get modules -w` showed meanwhile)');
  const ready = await modules.untilReady(['module-one', 'module-two']);
  modules.stop();
  check(ready, 'module-one and module-two should reach Ready');

  heading(5, 'A new release of module-two is published; its policy is Manual');
  const published = env.sim.control.publish({
    repo: EXAMPLE_REPO,
    module: 'module-two',
    version: '1.2.6',
    channel: 'Stable',
  });
  check(published.ok, `publish failed: ${published.message}`);
  say('The registry now offers module-two 1.2.6. Deckhouse creates a ModuleRelease and waits for approval:');
  check(await waitRelease(env.sim, NEW_RELEASE, 'Pending'), `${NEW_RELEASE} should appear as Pending`);
  block(releaseLines(env.sim, 'module-two'));

  heading(6, 'modsync sync: the approval is requested in git');
  check((await modsync(['sync'])) === 0, 'the sync with a pending release should succeed');
  const branches = await listBranches(env.bareDir);
  check(branches.includes(APPROVAL_BRANCH), `branch ${APPROVAL_BRANCH} should exist`);
  say(`Branches in the repo now: ${branches.join(', ')}`);
  say('With a git host configured (--git-host github|gitlab|gitea) this branch is also a pull request.');
  const file = `${env.root}/approvals/${NEW_RELEASE}.yaml`;
  const approval = await readBranchFile(env.bareDir, APPROVAL_BRANCH, file);
  check(approval !== null, `${file} should be on ${APPROVAL_BRANCH}`);
  say(`${file} on ${APPROVAL_BRANCH}:`);
  block(approval ?? '');

  heading(7, 'A reviewer merges the approval (this stands for merging the pull request)');
  const merge = await mergeBranch(
    env.bareDir,
    APPROVAL_BRANCH,
    'main',
    `Merge ${APPROVAL_BRANCH}: approve module-two v1.2.6`,
  );
  say(`main is now at ${merge.slice(0, 12)} and holds ${file}.`);

  heading(8, 'modsync sync: the release is approved in the cluster and deployed');
  check((await modsync(['sync'])) === 0, 'the sync after the merge should succeed');
  check(await waitRelease(env.sim, NEW_RELEASE, 'Deployed'), `${NEW_RELEASE} should be Deployed`);
  block(releaseLines(env.sim, 'module-two'));
  const left = await listBranches(env.bareDir);
  say(`Branches: ${left.join(', ')} (the approval branch is gone: its work is done)`);

  heading(9, 'The status report, committed to git');
  say('One more sync reads the cluster after the deploy: nothing to apply, the report is refreshed.');
  check((await modsync(['sync'])) === 0, 'the refreshing sync should succeed');
  const report = await readBranchFile(env.bareDir, 'main', `${env.root}/status/README.md`);
  check(report !== null, `${env.root}/status/README.md should be on main`);
  say(`${env.root}/status/README.md (first lines):`);
  block((report ?? '').split('\n').slice(0, 45).join('\n'));
}

async function daemon(): Promise<void> {
  const e = env!;
  heading(10, 'modsync run: the daemon keeps the cluster in sync');
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  running = startModsync(['run', '--listen', `127.0.0.1:${port}`, '--schedule', '*/30 * * * * *', ...targetFlags(e)]);
  say('It syncs now, every 30 seconds, on push webhooks and on demand. Endpoints:');
  block(
    [
      `${base}/healthz          liveness`,
      `${base}/readyz           ready after the first successful fetch`,
      `${base}/metrics          Prometheus metrics`,
      `${base}/sync             POST: sync now`,
      `${base}/webhook/github   POST: push webhooks (also /webhook/gitlab, /webhook/gitea; need --webhook-secret-file)`,
    ].join('\n'),
  );
  say('Try:');
  block(
    [
      `curl ${base}/readyz`,
      `curl -s ${base}/metrics | grep ^modsync_`,
      `curl -X POST ${base}/sync`,
      `KUBECONFIG=${e.sim.kubeconfigPath} kubectl get modules`,
    ].join('\n'),
  );
  say('Press Ctrl-C to stop everything.');
  const code = await running.done;
  if (!stopping) {
    say(`the daemon exited with code ${code}`);
    await shutdown();
    process.exitCode = code === 0 ? 0 : 1;
  }
}

async function main(): Promise<void> {
  const keepDaemon = !process.argv.includes('--no-daemon') && process.env.DEMO_EXIT !== '1';
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      say(`\n${signal}: stopping the daemon and the servers...`);
      void shutdown().then(() => {
        say('stopped, temp files removed.');
        process.exit(0);
      });
    });
  }
  try {
    await story();
  } catch (err) {
    say(`\n✗ demo step failed: ${err instanceof StepFailed ? err.message : ((err as Error).stack ?? String(err))}`);
    await shutdown();
    process.exitCode = 1;
    return;
  }
  say('\n✓ The story is complete.');
  if (!keepDaemon) {
    await shutdown();
    return;
  }
  await daemon();
}

await main();
