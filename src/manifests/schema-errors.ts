/**
 * Turns ajv's errors into one readable problem per field, at the node a user has to fix:
 * `spec.registry.repo: is required`, `spec.registy: unknown field (did you mean "registry"?)`.
 * An enum value the bundled CRDs reject is a warning (the cluster's own schema decides at sync).
 * Values of credential fields are never echoed.
 */
import type { ErrorObject } from 'ajv';
import type { ObjectPath } from '../kinds/types.ts';
import type { SchemaProblem } from './crd-schema.ts';
import { formatPath } from '../core/object-path.ts';

const SECRET_FIELDS = new Set(['dockerCfg', 'ca']);

/**
 * The Deckhouse release the bundled CRDs (crds/deckhouse) come from: they carry
 * ModuleSource.spec.scanInterval, added in DKP 1.75 (deckhouse/deckhouse#17622, see
 * ../shared/deckhouse-api/API.md). Named in enum warnings: a newer cluster may accept more.
 */
export const BUNDLED_DECKHOUSE_VERSION = '1.75';

// What the CRDs' regular expressions mean, said the way a person would.
const PATTERN_HINTS: Record<string, string> = {
  '^(\\d+h)?(\\d+m)?(\\d+s)?$': 'a duration such as 5m, 1h or 6h30m',
  '^(?:\\d|[01]\\d|2[0-3]):[0-5]\\d$': 'a UTC time H:MM or HH:MM, 00:00 to 23:59',
};

function pointerToPath(pointer: string): ObjectPath {
  if (!pointer) return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

function showValue(path: ObjectPath, value: unknown): string {
  if (path.some((p) => typeof p === 'string' && SECRET_FIELDS.has(p))) return '';
  const text = JSON.stringify(value);
  return text !== undefined && text.length <= 80 ? ` (got ${text})` : '';
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'number') return Number.isInteger(value) ? 'an integer' : 'a number';
  return `a ${typeof value}`;
}

const TYPE_WORDS: Record<string, string> = {
  object: 'a mapping',
  array: 'a list',
  string: 'a string',
  integer: 'an integer',
  number: 'a number',
  boolean: 'a boolean (true or false)',
};

// Small edit distance finds the intended field in "did you mean" hints.
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(
        row[j]! + 1,
        row[j - 1]! + 1,
        prev + (a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1),
      );
      prev = tmp;
    }
  }
  return row[b.length]!;
}

function suggestion(field: string, parentSchema: unknown): string {
  const props = (parentSchema as { properties?: Record<string, unknown> } | undefined)?.properties;
  if (!props) return '';
  const known = Object.keys(props);
  const best = known.map((k) => ({ k, d: distance(field, k) })).sort((a, b) => a.d - b.d)[0];
  if (best && best.d <= Math.max(1, Math.floor(best.k.length / 4))) return ` (did you mean "${best.k}"?)`;
  return known.length > 0 && known.length <= 8 ? `; allowed: ${known.join(', ')}` : '';
}

function problemFor(e: ErrorObject): SchemaProblem {
  const base = pointerToPath(e.instancePath);
  const params = e.params as Record<string, unknown>;
  const at = (path: ObjectPath, message: string, target: 'key' | 'value' = 'value'): SchemaProblem => ({
    path,
    message: `${formatPath(path) || 'object'}: ${message}`,
    target,
  });
  switch (e.keyword) {
    case 'required':
      // Located at the parent's key (the field itself is missing), named by its full path.
      return {
        path: base,
        message: `${formatPath([...base, String(params.missingProperty)])}: is required`,
        target: 'key',
      };
    case 'additionalProperties': {
      const field = String(params.additionalProperty);
      return at([...base, field], `unknown field${suggestion(field, e.parentSchema)}`, 'key');
    }
    case 'enum': {
      // A newer Deckhouse may accept more values than the CRDs modsync carries: the cluster
      // decides at sync (its own schema is checked then), so offline this is only a warning.
      const allowed = (params.allowedValues as unknown[]).map(String).join(', ');
      const carried = `not accepted by the Deckhouse version modsync carries (${BUNDLED_DECKHOUSE_VERSION})`;
      return {
        ...at(base, `${carried}, which allows ${allowed}${showValue(base, e.data)}; the cluster decides at sync`),
        severity: 'warning',
      };
    }
    case 'type': {
      const wanted = String(params.type)
        .split(',')
        .map((t) => TYPE_WORDS[t] ?? t)
        .join(' or ');
      const quote =
        params.type === 'string' && (typeof e.data === 'number' || typeof e.data === 'boolean')
          ? '; quote the value to make it a string'
          : '';
      return at(base, `must be ${wanted}, not ${typeName(e.data)}${quote}`);
    }
    case 'pattern': {
      const hint = PATTERN_HINTS[String(params.pattern)];
      return at(base, `must be ${hint ?? `a string matching ${String(params.pattern)}`}${showValue(base, e.data)}`);
    }
    case 'format':
      return at(base, `must be a valid ${String(params.format)}${showValue(base, e.data)}`);
    case 'x-kubernetes-int-or-string':
      return at(base, `must be an integer or a string, not ${typeName(e.data)}`);
    case 'oneOf':
      return at(base, 'must match exactly one of the allowed forms');
    case 'anyOf':
      return at(base, 'must match one of the allowed forms');
    case 'not':
      return at(base, 'has a form that is not allowed here');
    default:
      return at(base, e.message ?? `fails ${e.keyword}`);
  }
}

/**
 * One problem per field: errors from inside oneOf/anyOf/not branches are folded into the
 * combinator's own error, and a wrong type hides the other complaints at that path.
 */
export function translateAjvErrors(errors: readonly ErrorObject[]): SchemaProblem[] {
  const combinatorPaths = errors
    .filter((e) => e.keyword === 'oneOf' || e.keyword === 'anyOf' || e.keyword === 'not')
    .map((e) => e.schemaPath);
  const typed = new Set(errors.filter((e) => e.keyword === 'type').map((e) => e.instancePath));
  const kept = errors.filter((e) => {
    if (combinatorPaths.some((p) => e.schemaPath !== p && e.schemaPath.startsWith(`${p}/`))) return false;
    if (e.keyword !== 'type' && typed.has(e.instancePath)) return false;
    return true;
  });
  const seen = new Set<string>();
  const out: SchemaProblem[] = [];
  for (const e of kept) {
    const p = problemFor(e);
    if (seen.has(p.message)) continue;
    seen.add(p.message);
    out.push(p);
  }
  return out;
}
