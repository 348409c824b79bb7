/**
 * Where modsync's own data files (config defaults and schema, Deckhouse CRDs) live. The code
 * runs from `src/` (Node's type stripping, tests) and from `dist/modsync.cjs` (the bundle the
 * package and the container image ship), so the project root is found by walking up to the
 * folder that holds `crds/deckhouse`, not by a fixed number of `..`.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

export function projectRoot(): string {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'crds', 'deckhouse')) && existsSync(join(dir, 'config'))) {
      cached = dir;
      return dir;
    }
    const parent = dirname(dir);
    if (parent === dir)
      throw new Error('modsync data files not found: no crds/deckhouse above ' + fileURLToPath(import.meta.url));
    dir = parent;
  }
}

/** The folder of the Deckhouse CRD copies. */
export function crdDir(): string {
  return join(projectRoot(), 'crds', 'deckhouse');
}

/** The folder of the default config file and its schema. */
export function configDir(): string {
  return join(projectRoot(), 'config');
}
