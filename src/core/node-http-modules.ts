/**
 * node:http and node:https without their ES module facade. `import … from 'node:http'` makes
 * Node build an ESM namespace of every export, and reading node:http's lazy `WebSocket` and
 * `MessageEvent` exports for it loads undici, fetch's engine: ~23 ms of a CronJob run's
 * start-up spent on nothing it uses. `process.getBuiltinModule` hands over the CommonJS
 * exports as they are. Types still come from `import type`.
 */
export function nodeHttpModules(): { http: typeof import('node:http'); https: typeof import('node:https') } {
  return { http: process.getBuiltinModule('node:http'), https: process.getBuiltinModule('node:https') };
}
