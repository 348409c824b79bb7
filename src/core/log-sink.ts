/**
 * What an adapter logs to: the few methods of a pino logger it uses, so adapters depend on no
 * logging library and tests can hand in a plain object.
 */
export interface LogSink {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}
