/**
 * node:http and node:https without their ES module facade. `import … from 'node:http'` makes
 * Node build an ESM namespace of every export, and reading node:http's lazy `WebSocket` and
 * `MessageEvent` exports for it loads undici, fetch's engine: ~23 ms of a CronJob run's
 * start-up spent on nothing it uses. `process.getBuiltinModule` hands over the CommonJS
 * exports as they are. Types still come from `import type`. Each loads on first use: node:https
 * brings TLS (~0.7 ms more), which a plain-http server or git remote never needs.
 */
export function nodeHttpModules(): {
  readonly http: typeof import('node:http');
  readonly https: typeof import('node:https');
} {
  return {
    get http() {
      return process.getBuiltinModule('node:http');
    },
    get https() {
      return process.getBuiltinModule('node:https');
    },
  };
}
