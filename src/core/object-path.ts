/**
 * Paths into objects as messages name them: `['spec', 'update', 'windows', 0, 'from']` is
 * `spec.update.windows[0].from`. Shared by the kind rules, the manifest checks and the loader,
 * which turns a path into `file:line:col`.
 */

/** A path into an object, e.g. `['spec', 'update', 'windows', 0, 'from']`. */
export type ObjectPath = (string | number)[];

/** `spec.update.windows[0].from`: how messages name a field. */
export function formatPath(path: ObjectPath): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(seg)) out += out ? `.${seg}` : seg;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}
