/**
 * Where things are in the repository, for commands that must not load the ports (validate):
 * kept apart from wire.ts, which imports the git, cluster and forge adapters.
 */
import { join } from 'node:path';
import type { Config } from '../config/types.ts';

/** An HTTPS remote (cloned into the cache) rather than a local directory used in place. */
export function isRemoteRepo(repo: string): boolean {
  return /^https?:\/\//i.test(repo);
}

/** The status folder relative to the repository root: `<path>/<status.path>`. */
export function statusFolder(config: Config): string {
  return join(config.git.path, config.status.path).replace(/^\.\//, '');
}
