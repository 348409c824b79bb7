/**
 * The key of what a status report is made from. The report is a pure function of its inputs
 * (and the previous report, whose entries keep their "observed at" while they stay the same),
 * so when a run's inputs equal those the committed report was made from, that report is
 * already right: the report stage neither parses it nor renders a new one. At 1,000 objects
 * that is most of a no-op run's time. Left out of the key: the commit and the time (they only
 * matter for entries that change), server bookkeeping (resourceVersion, managedFields) and
 * registry credentials (never shown).
 */
import { createHash } from 'node:crypto';
import type { KubeObject } from '../core/object.ts';
import type { ReportInput } from './model.ts';

/** Bumped whenever the report's rendering changes, so an older report is rendered anew. */
const REPORT_FORMAT = 1;

function shown(obj: KubeObject): unknown {
  const { resourceVersion: _rv, managedFields: _mf, generation: _g, uid: _uid, ...metadata } = obj.metadata;
  const registry = (obj.spec?.registry ?? undefined) as Record<string, unknown> | undefined;
  const spec =
    registry?.dockerCfg !== undefined ? { ...obj.spec, registry: { ...registry, dockerCfg: '(secret)' } } : obj.spec;
  return { ...obj, metadata, spec };
}

/** `sha256:<hex>` of everything the report shows but the commit and the time. */
export function reportInputsKey(input: Omit<ReportInput, 'previous' | 'commit' | 'now'>): string {
  const live = [...input.live.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([kind, objects]) => [kind, objects.map(shown)]);
  const { instance, changes, ok, reason, errors, requests } = input;
  const text = JSON.stringify({ format: REPORT_FORMAT, instance, changes, ok, reason, errors, requests, live });
  return `sha256:${createHash('sha256').update(text).digest('hex')}`;
}

/** The first line of a status.yaml made from inputs with this key. */
export function inputsLine(key: string): string {
  return `# inputs: ${key}\n`;
}
