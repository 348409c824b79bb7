/**
 * The `modsync` binary: parses the subcommand and flags, loads and validates the whole
 * configuration (defaults < file < env < flags), creates the redactor and the logger, and
 * hands over to the subcommand. Exit codes are in exit-codes.ts.
 *
 * Start-up is part of every CronJob run: `--version` imports nothing, `--help` only the
 * settings list, and the configuration loader, the logger and the command itself are imported
 * once a command is known (commands.ts).
 */
import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';
import type { Setting } from '../config/settings.ts';
import { ModsyncError } from '../core/errors.ts';
import type { Command } from './command.ts';
import { EXIT, type ExitCode } from './exit-codes.ts';
import { COMMANDS } from './commands.ts';

/** For bin.ts: which run's code cache to keep. */
export { steadyRun } from './run-weight.ts';

const VERSION = '0.1.0';

function usage(settings: Setting[]): string {
  const lines = [
    'modsync: GitOps for Deckhouse modules',
    '',
    'Usage: modsync <command> [flags]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(10)} ${c.summary}`),
    '',
    'Global flags:',
    '  --config FILE       config file (env MODSYNC_CONFIG); defaults: config/modsync.yaml',
    '  --help, -h          help for modsync or a command',
    '  --version           print the version',
    '',
    `Every setting is a flag and an env var (${settings.length} settings): "modsync <command> --help" lists those that matter.`,
  ];
  return lines.join('\n') + '\n';
}

function commandHelp(cmd: Command, settings: Setting[]): string {
  const lines = [`Usage: ${cmd.usage}`, '', cmd.help.trim(), ''];
  if (cmd.flags.length) {
    lines.push('Flags:');
    for (const f of cmd.flags) {
      const name = f.type === 'string' ? `--${f.name} ${f.choices ? f.choices.join('|') : 'VALUE'}` : `--${f.name}`;
      lines.push(`  ${name.padEnd(34)} ${f.description}`);
    }
    lines.push('');
  }
  const relevant = settings.filter((s) => cmd.settings.some((g) => s.key === g || s.key.startsWith(g + '.')));
  if (relevant.length) {
    lines.push('Settings (flag, env var, config key):');
    for (const s of relevant) {
      const flag = s.type === 'boolean' ? `--${s.flag} / --no-${s.flag}` : `--${s.flag} VALUE`;
      lines.push(`  ${flag.padEnd(34)} ${s.env.padEnd(30)} ${s.key}`);
      lines.push(`  ${''.padEnd(34)} ${s.description}`);
    }
    lines.push('');
  }
  lines.push('  --config FILE                      MODSYNC_CONFIG                 config file', '');
  return lines.join('\n');
}

function parseOptions(cmd: Command, settings: Setting[]): ParseArgsOptionsConfig {
  const options: ParseArgsOptionsConfig = { config: { type: 'string' }, help: { type: 'boolean', short: 'h' } };
  for (const s of settings) {
    options[s.flag] = { type: s.type === 'boolean' ? 'boolean' : 'string' };
    if (s.type === 'boolean') options[`no-${s.flag}`] = { type: 'boolean' };
  }
  for (const f of cmd.flags) options[f.name] = f.short ? { type: f.type, short: f.short } : { type: f.type };
  return options;
}

/** Where the CLI writes: the process's streams, or (tests running it in process) anything else. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** stdout is a terminal (colors allowed). */
  tty: boolean;
}

const PROCESS_IO: CliIo = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
  get tty() {
    return Boolean(process.stdout.isTTY);
  },
};

/** Runs modsync with the given arguments; returns the exit code (never calls process.exit). */
export async function main(
  argv: string[],
  env: Record<string, string | undefined> = process.env,
  io: CliIo = PROCESS_IO,
): Promise<ExitCode> {
  const write = (t: string): void => io.out(t);
  const first = argv[0];
  if (first === '--version' || first === 'version') {
    write(`modsync ${VERSION}\n`);
    return EXIT.ok;
  }
  const { loadConfigSchema, settingsOf } = await import('../config/settings.ts');
  const settings = settingsOf(loadConfigSchema());
  if (!first || first === '--help' || first === '-h' || first === 'help') {
    write(usage(settings));
    return first ? EXIT.ok : EXIT.usage;
  }
  const entry = COMMANDS.find((c) => c.name === first);
  if (!entry) {
    io.err(`modsync: unknown command "${first}"\n\n${usage(settings)}`);
    return EXIT.usage;
  }
  const cmd = await entry.load();

  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: argv.slice(1),
      options: parseOptions(cmd, settings),
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    io.err(`modsync ${cmd.name}: ${(err as Error).message}\nRun "modsync ${cmd.name} --help" for the flags.\n`);
    return EXIT.usage;
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  if (values.help) {
    write(commandHelp(cmd, settings));
    return EXIT.ok;
  }

  const settingFlags: Record<string, string | boolean | undefined> = {};
  for (const s of settings) {
    if (values[`no-${s.flag}`]) settingFlags[s.flag] = false;
    else if (values[s.flag] !== undefined) settingFlags[s.flag] = values[s.flag];
  }
  const cmdFlags: Record<string, string | boolean | undefined> = {};
  const problems: string[] = [];
  for (const f of cmd.flags) {
    const v = values[f.name] ?? f.default;
    if (f.choices && typeof v === 'string' && !f.choices.includes(v))
      problems.push(`--${f.name}: must be one of ${f.choices.join(', ')}, got "${v}"`);
    cmdFlags[f.name] = v;
  }

  const [{ loadConfig }, { Redactor }, { createLogger }] = await Promise.all([
    import('../config/load.ts'),
    import('../core/redact.ts'),
    import('../log.ts'),
  ]);
  const loaded = loadConfig({
    flags: settingFlags,
    env,
    file: typeof values.config === 'string' ? values.config : undefined,
  });
  problems.push(...loaded.problems);
  if (problems.length) {
    io.err(`modsync ${cmd.name}: invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}\n`);
    return EXIT.usage;
  }

  const redactor = new Redactor();
  const logger = createLogger({
    format: loaded.config.log.format,
    level: loaded.config.log.level,
    redactor,
    write: (line) => io.err(line),
  });
  const out = (text: string): void => io.out(redactor.scrub(text));
  try {
    return await cmd.run({
      config: loaded.config,
      args: parsed.positionals,
      flags: cmdFlags,
      env,
      out,
      err: (text) => io.err(text),
      redactor,
      logger,
      tty: io.tty,
    });
  } catch (err) {
    logger.error({ err: { message: (err as Error).message, name: (err as Error).name } }, 'modsync failed');
    io.err(redactor.scrub(`modsync ${cmd.name}: ${(err as Error).message}\n`));
    // A setting that only turns out unusable once a command needs it is still a usage error.
    return err instanceof ModsyncError && err.reason === 'ConfigInvalid' ? EXIT.usage : EXIT.failed;
  }
}

/** Executed directly (not imported by tests or bin.ts)? */
function isEntry(): boolean {
  return import.meta.main === true;
}

// `node src/cli/main.ts …` (tests, the demo) runs it directly; the installed binary is bin.ts.
if (isEntry()) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
