/**
 * The `none` git host: no forge API at all. The approval flow still pushes the
 * `modsync/approve/<module>` branch and the status report links the branch; this adapter only
 * answers "nothing there" so the pipeline needs no special case. It never does HTTP.
 */
import type { GitHost } from './port.ts';

/** A GitHost that has no pull requests and writes nothing. */
export function createNoneHost(): GitHost {
  return {
    kind: 'none',
    /** No forge to ask: there is never an open pull request. */
    findOpen: async () => null,
    /**
     * No pull request was ever opened, so none was closed either. A person declines a
     * branch-only request by deleting the branch; telling that apart from "not pushed yet"
     * needs state modsync does not keep, so with `none` the next sync pushes it again.
     */
    findLatest: async () => null,
    /** Same: no pull requests to list. */
    listOpen: async () => [],
    /** No forge, so no open pull requests to preview. */
    listOpenPullRequests: async () => [],
    /** No pull request, so no files. */
    changedFiles: async () => [],
    /** Nothing is opened; the pushed branch (linked from the status report) is the request. */
    ensure: async () => ({ pr: null, outcome: 'unchanged' }),
    /** Nothing to close; the pipeline deletes the branch itself. */
    close: async () => {},
    /** No pull request exists by any number, so `plan --pull-request N` reports it as missing. */
    get: async () => null,
    /** No pull request to comment on: nothing is written. */
    upsertComment: async () => 'unchanged',
  };
}
