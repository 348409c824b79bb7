/**
 * The one stage runner: times a stage, records its result and assigns its named failure
 * reason. Adapters throw errors typed by origin; only here do they become a pipeline reason,
 * so a git failure in the report stage is a `ReportFailed`, not a `FetchFailed`.
 *
 * A stage fails in one of two ways: it throws (the run stops), or it returns a value whose
 * entries failed (`failures`: the others were still tried, the run goes on and exits non-zero).
 */
import type { ChangeEntry } from '../core/change-set.ts';
import { messageOf, type FailureReason } from '../core/errors.ts';
import type { Logger } from '../log.ts';
import type { StageName, StageResult } from './types.ts';
import { monotonicMs } from '../core/monotonic.ts';

/** Thrown to stop the run with a reason of the stage's own choosing (e.g. `Locked`). */
export class StageFailure extends Error {
  readonly reason: FailureReason;

  constructor(reason: FailureReason, message: string) {
    super(message);
    this.reason = reason;
  }
}

/** What the runner knows of a stage. */
export interface StageSpec<T> {
  name: StageName;
  reason: FailureReason;
  /** A message when the stage's result counts as failed though it returned. */
  failures?: (value: T) => string | undefined;
}

/** Runs stages of one sync, collecting their results. */
export class StageRunner {
  readonly results: StageResult[] = [];
  logger: Logger;

  constructor(logger: Logger) {
    this.logger = logger;
  }

  /** Runs `fn` as stage `spec`; rethrows a StageFailure to stop the run. */
  async run<T>(spec: StageSpec<T>, fn: () => Promise<T> | T): Promise<T> {
    const started = monotonicMs();
    const ms = (): number => Math.round(monotonicMs() - started);
    let value: T;
    try {
      value = await fn();
    } catch (err) {
      const reason = err instanceof StageFailure ? err.reason : spec.reason;
      const message = messageOf(err);
      this.results.push({ stage: spec.name, ok: false, reason, message, durationMs: ms() });
      this.logger.error({ stage: spec.name, reason, err: message }, 'stage failed');
      throw err instanceof StageFailure ? err : new StageFailure(reason, message);
    }
    const failed = spec.failures?.(value);
    if (failed) {
      this.results.push({ stage: spec.name, ok: false, reason: spec.reason, message: failed, durationMs: ms() });
      this.logger.error({ stage: spec.name, reason: spec.reason, err: failed }, 'stage failed');
    } else {
      this.results.push({ stage: spec.name, ok: true, durationMs: ms() });
    }
    return value;
  }

  /** The first failed stage's reason, if any. */
  get failure(): FailureReason | undefined {
    return this.results.find((s) => !s.ok)?.reason;
  }
}

/** `N objects failed: A, B` for the entries of `actions` that failed, if any did. */
export function failedEntries(
  entries: readonly ChangeEntry[],
  actions: readonly ChangeEntry['action'][],
): string | undefined {
  const failed = entries.filter((e) => e.outcome === 'failed' && actions.includes(e.action));
  if (!failed.length) return undefined;
  return `${failed.length} object${failed.length === 1 ? '' : 's'} failed: ${failed.map((f) => f.subject).join(', ')}`;
}
