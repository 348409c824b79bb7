/**
 * Whether this process's command ran in the steady state: a sync that changed nothing in the
 * cluster or in git. bin.ts keeps the V8 code cache of such a run (a CronJob's runs are mostly
 * no-ops) rather than one that also holds the code of applying and fetching.
 */
let busy = false;

/** Called by a command that changed something (objects written, a report committed). */
export function markBusy(): void {
  busy = true;
}

/** Read by bin.ts through the bundle's exports (src/cli/main.ts). @public */
export function steadyRun(): boolean {
  return !busy;
}
