/**
 * node:fs as isomorphic-git takes it: the module object. Built, `import fs from 'node:fs'` made
 * the bundle copy the module's ~100 exports into a namespace object in each module that said
 * so (esbuild's interop), ~1.3 ms of every CronJob run for five copies of the same thing.
 */
export const fs: typeof import('node:fs') = process.getBuiltinModule('node:fs');
