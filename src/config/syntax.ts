/**
 * Settings whose strings have a syntax the JSON schema cannot check: the cron schedule, the
 * listen address's port range, the forge API URL. They are checked with the other settings
 * at start, so `modsync run` with `61 * * * *` exits 64 naming the setting and where it came
 * from, instead of starting its listener and crashing on the first tick.
 */
import { createRequire } from 'node:module';

/** Checks one value; returns why it is invalid, or undefined when it is fine. */
type SyntaxCheck = (value: string) => string | undefined;

function firstLine(text: string): string {
  return (text.split('\n')[0] ?? text).trim();
}

/**
 * The scheduler's own parser decides, so what passes here is what it can run. It is loaded only
 * when a schedule is set, so commands that never schedule (validate, plan) do not load it.
 */
const cron: SyntaxCheck = (value) => {
  try {
    const { CronTime } = createRequire(import.meta.url)('cron') as typeof import('cron');
    new CronTime(value, 'UTC').sendAt(2);
    return undefined;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const why = /No execution date/.test(message) ? 'it never fires' : firstLine(message);
    const hint = 'use 5 fields, minute hour day month weekday, such as "*/3 * * * *"';
    return `"${value}" is not a cron expression (${why}); ${hint}`;
  }
};

const listen: SyntaxCheck = (value) => {
  const port = /:(\d+)$/.exec(value)?.[1];
  if (port !== undefined && Number(port) > 65535) return `port ${port} is out of range (0 to 65535)`;
  return undefined;
};

const httpUrl: SyntaxCheck = (value) => {
  if (value === '') return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `"${value}" is not a URL`;
  }
  return url.protocol === 'https:' || url.protocol === 'http:' ? undefined : `"${value}" must be an http(s) URL`;
};

/** The checks by setting key; values from the shipped defaults are known good and not checked. */
export const SYNTAX_CHECKS: Readonly<Record<string, SyntaxCheck>> = {
  'daemon.schedule': cron,
  'daemon.listen': listen,
  'host.url': httpUrl,
};
