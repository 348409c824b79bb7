/**
 * Fetch stage: the commit the run refers to, checked out (clone or fetch of the tracked ref,
 * or a pinned tag or commit; a local folder is used in place). Everything the run reports
 * names this commit.
 */
import type { Checkout, GitPort } from '../git/port.ts';

/** Checks out the tracked ref through the git port. */
export function fetchStage(ports: { git: GitPort }): Promise<Checkout> {
  return ports.git.checkout();
}
