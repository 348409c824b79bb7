/**
 * What a subcommand is: its own flags on top of the settings flags, a help text, and a run
 * function that gets the loaded configuration and returns an exit code.
 */
import type { Config } from '../config/types.ts';
import type { Redactor } from '../core/redact.ts';
import type { Logger } from '../log.ts';
import type { ExitCode } from './exit-codes.ts';

export interface CommandFlag {
  name: string;
  type: 'string' | 'boolean';
  description: string;
  short?: string;
  /** For string flags with a fixed set of values (checked before running). */
  choices?: readonly string[];
  default?: string | boolean;
}

export interface CommandContext {
  config: Config;
  /** Positional arguments after the subcommand. */
  args: string[];
  /** The command's own flags (not the settings flags, which are folded into `config`). */
  flags: Record<string, string | boolean | undefined>;
  env: Record<string, string | undefined>;
  out: (text: string) => void;
  /** Writes to stderr (messages for people; logs go through `logger`). */
  err: (text: string) => void;
  redactor: Redactor;
  logger: Logger;
  /** stdout is a terminal (colors allowed). */
  tty: boolean;
}

export interface Command {
  name: string;
  summary: string;
  usage: string;
  /** Longer help, printed under the usage line. */
  help: string;
  flags: CommandFlag[];
  /** Which settings groups matter for this command (shown in --help). */
  settings: readonly string[];
  run(ctx: CommandContext): Promise<ExitCode>;
}
