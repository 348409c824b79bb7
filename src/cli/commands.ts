/**
 * The subcommands, in the order `modsync --help` lists them. Each is loaded only when it runs:
 * `--version` and `--help` import no command, and a command imports only what it needs
 * (`validate` no cluster client or git, `sync` no server or metrics).
 */
import type { Command } from './command.ts';

/** A subcommand's name and summary (the same as its Command's), and how to load the rest of it. */
export interface CommandEntry {
  name: string;
  summary: string;
  load(): Promise<Command>;
}

export const COMMANDS: readonly CommandEntry[] = [
  {
    name: 'validate',
    summary: 'check manifests offline (for pull-request CI)',
    load: async () => (await import('./validate.ts')).validateCommand,
  },
  {
    name: 'plan',
    summary: 'show what a sync would change (read-only; exit 2 when there are changes)',
    load: async () => (await import('./plan.ts')).planCommand,
  },
  {
    name: 'sync',
    summary: 'run one sync: apply git to the cluster, prune, approve, report',
    load: async () => (await import('./sync.ts')).syncCommand,
  },
  {
    name: 'run',
    summary: 'run as a daemon: sync on a schedule, on webhooks and on demand; serve health and metrics',
    load: async () => (await import('./run.ts')).runCommand,
  },
  {
    name: 'status',
    summary: 'show sources, modules, releases and configs live, with their errors',
    load: async () => (await import('./status.ts')).statusCommand,
  },
  {
    name: 'approve',
    summary: 'write an approval file for a module release into a local checkout',
    load: async () => (await import('./approve.ts')).approveCommand,
  },
  {
    name: 'export',
    summary: 'write the live sources, policies and module configs as manifests (adopt a cluster)',
    load: async () => (await import('./export.ts')).exportCommand,
  },
];
