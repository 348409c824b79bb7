/** The subcommands, in the order `modsync --help` lists them. */
import type { Command } from './command.ts';
import { approveCommand } from './approve.ts';
import { planCommand } from './plan.ts';
import { runCommand } from './run.ts';
import { statusCommand } from './status.ts';
import { syncCommand } from './sync.ts';
import { validateCommand } from './validate.ts';

export const COMMANDS: readonly Command[] = [validateCommand, planCommand, syncCommand, runCommand, statusCommand, approveCommand];
