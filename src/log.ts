/**
 * pino loggers. JSON lines to stderr by default (stdout is kept for command output such as
 * `plan --output json`); `pretty` renders the same records for people. Every line passes
 * through the Redactor before it is written, so a secret that slipped into a message or a
 * data field is masked all the same.
 */
import { pino, type Logger, type LevelWithSilent } from 'pino';
import { escapeText } from './core/escape-text.ts';
import type { Redactor } from './core/redact.ts';

export type { Logger } from 'pino';

export interface LoggerOptions {
  format: 'json' | 'pretty';
  level: LevelWithSilent;
  redactor: Redactor;
  /** Where lines go; default stderr. */
  write?: (line: string) => void;
}

const LEVEL_NAMES: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
};
const HIDDEN_IN_PRETTY = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'run', 'commit']);

/** One pretty line: `12:00:01 INFO  message key=value ...`. */
export function prettyLine(json: string): string {
  let rec: Record<string, unknown>;
  try {
    rec = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json;
  }
  const time = new Date(Number(rec.time)).toISOString().slice(11, 19);
  const level = (LEVEL_NAMES[Number(rec.level)] ?? String(rec.level)).padEnd(5);
  const fields = Object.entries(rec)
    .filter(([k]) => !HIDDEN_IN_PRETTY.has(k))
    .map(([k, v]) => `${k}=${typeof v === 'string' ? escapeText(v) : JSON.stringify(v)}`)
    .join(' ');
  // One record, one line: a value with a newline or an ESC cannot forge or repaint log lines.
  return `${time} ${level} ${escapeText(String(rec.msg ?? ''))}${fields ? ' ' + fields : ''}\n`;
}

export function createLogger(opts: LoggerOptions): Logger {
  const write = opts.write ?? ((line: string) => process.stderr.write(line));
  const destination = {
    write(line: string): void {
      const clean = opts.redactor.scrub(line);
      write(opts.format === 'pretty' ? prettyLine(clean) : clean);
    },
  };
  return pino(
    {
      level: opts.level,
      base: undefined,
      timestamp: pino.stdTimeFunctions.epochTime,
      // Known secret-bearing keys are masked by name as well, whatever their value.
      redact: {
        paths: [
          'token',
          'password',
          'authorization',
          '*.token',
          '*.password',
          '*.authorization',
          'headers.authorization',
          '*.dockerCfg',
          'spec.registry.dockerCfg',
        ],
        censor: '(secret)',
      },
    },
    destination,
  );
}
