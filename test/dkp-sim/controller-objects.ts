/**
 * Small helpers the simulated Deckhouse controller shares: reading nested fields, labels and
 * annotations, writing only when something changed (so an idle cluster produces no watch
 * events), conditions, Go-compatible time formats and the update-policy lookup.
 */
import { goDuration } from './duration.ts';
import type { InternalApi, Json, JsonMap, Obj } from './types.ts';
import { cloneJson } from './clone.ts';

/** Read a nested field; undefined when any step is missing or not an object. */
export function dig(obj: Obj | JsonMap | undefined, path: string[]): Json | undefined {
  let cur: Json | undefined = obj as Json | undefined;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur)) return undefined;
    cur = cur[key];
  }
  return cur;
}

/** A string field, or undefined. */
export function str(obj: Obj | JsonMap | undefined, path: string[]): string | undefined {
  const v = dig(obj, path);
  return typeof v === 'string' ? v : undefined;
}

/** The object's labels (a live reference when present). */
export function labelsOf(obj: Obj): JsonMap {
  return (obj.metadata.labels ?? {}) as JsonMap;
}

/** The object's annotations (a live reference when present). */
export function annotationsOf(obj: Obj): JsonMap {
  return (obj.metadata.annotations ?? {}) as JsonMap;
}

/** Set (or with `undefined`, remove) one label or annotation, creating the map when needed. */
export function setMeta(obj: Obj, field: 'labels' | 'annotations', key: string, value: string | undefined): void {
  const map = (obj.metadata[field] ?? {}) as JsonMap;
  if (value === undefined) delete map[key];
  else map[key] = value;
  if (Object.keys(map).length === 0) delete obj.metadata[field];
  else obj.metadata[field] = map;
}

/** The object's finalizers. */
export function finalizersOf(obj: Obj): string[] {
  const f = obj.metadata.finalizers;
  return Array.isArray(f) ? f.filter((x): x is string => typeof x === 'string') : [];
}

/** Whether the object is being deleted (a deletionTimestamp is set). */
export function deleting(obj: Obj): boolean {
  return typeof obj.metadata.deletionTimestamp === 'string';
}

/** Go's `strconv.ParseBool` truthiness, which is how Deckhouse reads its boolean annotations. */
export function truthy(value: Json | undefined): boolean {
  return typeof value === 'string' && ['1', 't', 'T', 'true', 'TRUE', 'True'].includes(value);
}

/**
 * Update through the API only when `mutate` changes the object, the way a controller using
 * a merge patch computed from a deep copy would: no change, no request, no event.
 */
export function updateIfChanged(
  api: InternalApi,
  plural: string,
  name: string,
  mutate: (obj: Obj) => void,
  subresource?: 'status',
  rules: WriteBackRules = CURRENT_GO_TYPES,
): void {
  const current = api.get(plural, name);
  if (!current) return;
  const copy = cloneJson(current);
  mutate(copy);
  if (JSON.stringify(copy) === JSON.stringify(current)) return;
  if (subresource) {
    api.update(plural, name, mutate, { subresource });
    return;
  }
  // A controller's Update sends the whole object as its Go type marshals it.
  api.update(plural, name, (obj) => {
    mutate(obj);
    goRoundTrip(plural, obj, rules);
  });
}

/** How the controller's Go types marshal an object on a full Update (per Deckhouse version). */
export interface WriteBackRules {
  /**
   * ModuleConfig `spec.settings` is a plain map with `omitempty` (older `SettingsValues
   * map[string]interface{}`), so `settings: {}` is dropped; the current `*MappedFields` keeps it.
   */
  settingsOmitEmpty: boolean;
}

/** The current Go types (deckhouse-controller/pkg/apis/deckhouse.io/v1alpha1). */
export const CURRENT_GO_TYPES: WriteBackRules = { settingsOmitEmpty: false };

/**
 * What survives a decode into the Go type and the encode back: ModuleSource `spec.scanInterval`
 * is a `*metav1.Duration` (`5m` comes back `5m0s`, module_source.go); ModuleConfig
 * `spec.settings: {}` disappears where the type is an omitempty map.
 */
export function goRoundTrip(plural: string, obj: Obj, rules: WriteBackRules): void {
  const spec = obj.spec as JsonMap | undefined;
  if (!spec) return;
  if (plural === 'modulesources' && typeof spec.scanInterval === 'string') {
    const normal = goDuration(spec.scanInterval);
    if (normal !== undefined) spec.scanInterval = normal;
  }
  if (plural === 'moduleconfigs' && rules.settingsOmitEmpty) {
    const settings = spec.settings;
    const empty =
      settings !== null &&
      typeof settings === 'object' &&
      !Array.isArray(settings) &&
      Object.keys(settings).length === 0;
    if (empty) delete spec.settings;
  }
}

/** Replace `status` wholesale with `next` if it differs (status subresource write). */
export function writeStatus(api: InternalApi, plural: string, name: string, next: JsonMap): void {
  updateIfChanged(
    api,
    plural,
    name,
    (obj) => {
      obj.status = next;
    },
    'status',
  );
}

/** Every ModuleRelease grouped by its `module` label (listed once per stage, not once per module). */
export function releasesByModule(api: InternalApi): Map<string, Obj[]> {
  const out = new Map<string, Obj[]>();
  for (const release of api.list('modulereleases')) {
    const module = String(labelsOf(release).module ?? str(release, ['spec', 'moduleName']) ?? '');
    const list = out.get(module);
    if (list) list.push(release);
    else out.set(module, [release]);
  }
  return out;
}

/** A metav1.Time as Go marshals it: RFC3339 in UTC, whole seconds. */
export function rfc3339(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** One `status.conditions[]` entry. */
export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
}

/**
 * Build the conditions list, keeping `lastTransitionTime` (and `lastProbeTime`) from `previous`
 * when a condition did not change, so re-asserting the same state writes nothing.
 */
export function conditions(previous: Json | undefined, wanted: Condition[], now: string): JsonMap[] {
  const old = Array.isArray(previous) ? (previous as JsonMap[]) : [];
  return wanted.map((c) => {
    const before = old.find((o) => o.type === c.type);
    const same = before && before.status === c.status && before.reason === c.reason && before.message === c.message;
    const entry: JsonMap = { type: c.type, status: c.status };
    if (c.reason !== undefined) entry.reason = c.reason;
    if (c.message !== undefined) entry.message = c.message;
    entry.lastProbeTime = same ? (before.lastProbeTime ?? now) : now;
    entry.lastTransitionTime =
      same || (before && before.status === c.status) ? (before!.lastTransitionTime ?? now) : now;
    return entry;
  });
}

/** An update window of a policy. */
export interface UpdateWindow {
  from: string;
  to: string;
  days?: string[];
}

/** The update policy in force for a module. `name` is empty for Deckhouse's embedded policy. */
export interface ResolvedPolicy {
  name: string;
  releaseChannel: string;
  mode: string;
  windows: UpdateWindow[];
}

/** The embedded policy: built from the `deckhouse` ModuleConfig's settings, channel defaulting to Stable. */
export function embeddedPolicy(api: InternalApi): ResolvedPolicy {
  const settings = dig(api.get('moduleconfigs', 'deckhouse'), ['spec', 'settings']) as JsonMap | undefined;
  return {
    name: '',
    releaseChannel: str(settings, ['releaseChannel']) || 'Stable',
    mode: str(settings, ['update', 'mode']) || 'Auto',
    windows: windowsOf(dig(settings, ['update', 'windows'])),
  };
}

/** A named ModuleUpdatePolicy ('' = embedded); undefined when it does not exist. */
export function policyByName(api: InternalApi, name: string): ResolvedPolicy | undefined {
  if (name === '') return embeddedPolicy(api);
  const mup = api.get('moduleupdatepolicies', name);
  if (!mup) return undefined;
  return {
    name,
    releaseChannel: str(mup, ['spec', 'releaseChannel']) || 'Stable',
    mode: str(mup, ['spec', 'update', 'mode']) || 'Auto',
    windows: windowsOf(dig(mup, ['spec', 'update', 'windows'])),
  };
}

/** The policy for a module: the MUP its ModuleConfig names if it exists, else the embedded one. */
export function policyForModule(api: InternalApi, module: string): ResolvedPolicy {
  const named = str(api.get('moduleconfigs', module), ['spec', 'updatePolicy']);
  return (named && policyByName(api, named)) || embeddedPolicy(api);
}

function windowsOf(value: Json | undefined): UpdateWindow[] {
  if (!Array.isArray(value)) return [];
  return value.map((w) => {
    const win = (w ?? {}) as JsonMap;
    const days = Array.isArray(win.days) ? win.days.map(String) : undefined;
    return { from: String(win.from ?? '0:00'), to: String(win.to ?? '0:00'), ...(days ? { days } : {}) };
  });
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

function minutesOf(hhmm: string): number {
  const [h, m] = hhmm.split(':');
  return Number(h) * 60 + Number(m);
}

/** Whether `now` (UTC) is inside one of the windows; no windows means always. */
export function inWindow(windows: UpdateWindow[], now: Date): boolean {
  if (windows.length === 0) return true;
  const day = WEEKDAYS[now.getUTCDay()]!;
  const minute = now.getUTCHours() * 60 + now.getUTCMinutes();
  return windows.some(
    (w) => (!w.days || w.days.includes(day)) && minute >= minutesOf(w.from) && minute < minutesOf(w.to),
  );
}

/** The start of the next window after `now` (UTC), looking a week ahead. */
export function nextWindowStart(windows: UpdateWindow[], now: Date): Date {
  let best: Date | undefined;
  for (let d = 0; d <= 7; d++) {
    const day = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + d));
    for (const w of windows) {
      if (w.days && !w.days.includes(WEEKDAYS[day.getUTCDay()]!)) continue;
      const start = new Date(day.getTime() + minutesOf(w.from) * 60_000);
      if (start > now && (!best || start < best)) best = start;
    }
  }
  return best ?? now;
}
