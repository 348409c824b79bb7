/**
 * Human-readable ages (`16s`, `5m3s`, `33h`, `48d`) the way apimachinery's
 * `duration.HumanDuration` prints them; the table convertor turns date columns into these.
 */

/** Age text for a duration in milliseconds. */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.trunc(seconds / 60);
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.trunc(minutes / 60);
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  const days = Math.trunc(hours / 24);
  if (hours < 24 * 8) return hours % 24 === 0 ? `${days}d` : `${days}d${hours % 24}h`;
  if (hours < 24 * 365 * 2) return `${days}d`;
  const years = Math.trunc(days / 365);
  if (hours < 24 * 365 * 8) return days % 365 === 0 ? `${years}y` : `${years}y${days % 365}d`;
  return `${years}y`;
}

/** What a `date` column cell shows for an RFC 3339 value at `now` (`<invalid>` when unparsable). */
export function dateCell(value: string, now: Date): string {
  const t = Date.parse(value);
  if (Number.isNaN(t)) return '<invalid>';
  return humanDuration(now.getTime() - t);
}

/**
 * A duration as Go's `time.Duration.String()` prints it after `time.ParseDuration` read it:
 * what a `metav1.Duration` field (ModuleSource `spec.scanInterval`) becomes when a controller
 * writes the object back through its Go type (`5m` → `5m0s`, `90s` → `1m30s`). Undefined for
 * text the CRD pattern `^(\d+h)?(\d+m)?(\d+s)?$` would not let in.
 */
export function goDuration(text: string): string | undefined {
  const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(text);
  if (!m || text === '') return undefined;
  const total = (Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0)) * 60 + Number(m[3] ?? 0);
  const h = Math.trunc(total / 3600);
  const min = Math.trunc((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return `${h}h${min}m${s}s`;
  if (min > 0) return `${min}m${s}s`;
  return `${s}s`;
}
