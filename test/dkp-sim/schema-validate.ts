/**
 * OpenAPI v3 validation of a custom resource against its structural schema, producing the
 * field errors the apiserver returns: k8s.io/kube-openapi's validator (validators run per node
 * in its order: type, oneOf/anyOf/allOf/not, string, format, number, array, enum, object) and
 * apiextensions' conversion of its errors into field.Errors (reason and message).
 * `x-kubernetes-validations` (CEL) is NOT evaluated: dkp-sim has no CEL engine and the
 * Deckhouse CRDs it serves do not rely on CEL rules. `x-doc-*` and `description` are ignored.
 */
import { formatGoValue, listTypeDuplicates } from './schema-values.ts';
import type { FieldError, Json, JsonMap, Obj, Schema } from './types.ts';

function isMap(v: Json | undefined): v is JsonMap {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The JSON type kube-openapi infers for a decoded value, and its numeric format. */
function typeOf(v: Json): { type: string; format: string } {
  if (v === null) return { type: 'null', format: '' };
  if (typeof v === 'boolean') return { type: 'boolean', format: '' };
  if (typeof v === 'string') return { type: 'string', format: '' };
  if (typeof v === 'number')
    return Number.isInteger(v) ? { type: 'integer', format: 'int64' } : { type: 'number', format: 'float64' };
  return Array.isArray(v) ? { type: 'array', format: '' } : { type: 'object', format: '' };
}

/** Formats CRDs may use (others are stripped by the apiserver and not checked). */
const STRING_FORMATS = new Set([
  'bsonobjectid',
  'uri',
  'email',
  'hostname',
  'ipv4',
  'ipv6',
  'cidr',
  'mac',
  'uuid',
  'uuid3',
  'uuid4',
  'uuid5',
  'isbn',
  'isbn10',
  'isbn13',
  'creditcard',
  'ssn',
  'hexcolor',
  'rgbcolor',
  'byte',
  'password',
  'date',
  'duration',
  'datetime',
  'quantity',
]);

function effectiveFormat(s: Schema): string {
  const f = s.format ?? '';
  if (!f) return '';
  if (s.type === undefined || s.type === 'string') return STRING_FORMATS.has(f.replace(/-/g, '')) ? f : '';
  if (s.type === 'integer') return f === 'int32' || f === 'int64' ? f : '';
  if (s.type === 'number') return f === 'float' || f === 'double' ? f : '';
  return '';
}

const DATE_TIME = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:?\d{2})?$/;
const FORMAT_CHECKS: Record<string, (v: string) => boolean> = {
  datetime: (v) => DATE_TIME.test(v) && !Number.isNaN(Date.parse(v.replace(' ', 'T'))),
  date: (v) => /^\d{4}-\d{2}-\d{2}$/.test(v) && !Number.isNaN(Date.parse(v)),
  byte: (v) => /^[A-Za-z0-9+/]*={0,2}$/.test(v) && v.length % 4 === 0,
  uuid: (v) => /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i.test(v),
  ipv4: (v) => /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/.test(v),
};

/** One kube-openapi error before conversion. `name` is its path (root properties have no dot). */
interface RawError {
  code: 'type' | 'required' | 'enum' | 'tooLong' | 'maxItems' | 'tooManyProps' | 'invalid' | 'composite';
  name: string;
  value?: Json;
  message: string;
  values?: Json[];
  max?: number;
  actual?: number;
}

const IN = 'body';

function typeError(name: string, expected: string, actual: string): RawError {
  return {
    code: 'type',
    name,
    value: actual,
    message: `${name} in ${IN} must be of type ${expected}: ${JSON.stringify(actual)}`,
  };
}

function schemaTypes(s: Schema): string[] {
  if (s['x-kubernetes-int-or-string']) return ['integer', 'string'];
  return s.type ? [s.type] : [];
}

function validateType(s: Schema, v: Json, path: string): RawError[] {
  const types = schemaTypes(s);
  const format = effectiveFormat(s);
  if (types.length === 0 && !format) return [];
  if (v === null) return types.length > 0 && !s.nullable ? [typeError(path, types.join(','), 'null')] : [];
  const got = typeOf(v);
  const isFloatInt = got.type === 'number' && Number.isInteger(v) && types.includes('integer');
  const isIntFloat = got.type === 'integer' && types.includes('number');
  const scalarish = got.type !== 'string' && got.type !== 'array';
  if (
    scalarish &&
    format &&
    !(
      types.includes(got.type) ||
      got.format === format ||
      isFloatInt ||
      isIntFloat ||
      (format === 'int64' && got.format === 'int32')
    )
  ) {
    return [typeError(path, format, got.format)];
  }
  if (!(types.includes('number') || types.includes('integer')) && format && !scalarish) return [];
  if (!(types.includes(got.type) || isFloatInt || isIntFloat)) return [typeError(path, types.join(','), got.type)];
  return [];
}

function validateComposition(s: Schema, v: Json, path: string): RawError[] {
  const out: RawError[] = [];
  const quoted = JSON.stringify(path);
  if (s.anyOf?.length) {
    const results = s.anyOf.map((alt) => validateNode(alt, v, path));
    if (!results.some((r) => r.length === 0)) {
      out.push({ code: 'composite', name: path, message: `${quoted} must validate at least one schema (anyOf)` });
      out.push(...fewest(results));
    }
  }
  if (s.oneOf?.length) {
    const results = s.oneOf.map((alt) => validateNode(alt, v, path));
    const valid = results.filter((r) => r.length === 0).length;
    if (valid !== 1) {
      const more = valid === 0 ? 'Found none valid' : `Found ${valid} valid alternatives`;
      out.push({
        code: 'composite',
        name: path,
        message: `${quoted} must validate one and only one schema (oneOf). ${more}`,
      });
      if (valid === 0) out.push(...fewest(results));
    }
  }
  if (s.allOf?.length) {
    const results = s.allOf.map((alt) => validateNode(alt, v, path));
    for (const r of results) out.push(...r);
    const valid = results.filter((r) => r.length === 0).length;
    if (valid !== results.length) {
      out.push({
        code: 'composite',
        name: path,
        message: `${quoted} must validate all the schemas (allOf)${valid === 0 ? '. None validated' : ''}`,
      });
    }
  }
  if (s.not && validateNode(s.not, v, path).length === 0) {
    out.push({ code: 'composite', name: path, message: `${quoted} must not validate the schema (not)` });
  }
  return out;
}

/**
 * kube-openapi reports the errors of the alternative that matched best (its match count);
 * approximated here: fewest errors, and on a tie the one only missing fields (a value that
 * matched its constraints counts as a better match than a value that broke one).
 */
function fewest(results: RawError[][]): RawError[] {
  const onlyMissing = (r: RawError[]): boolean => r.every((e) => e.code === 'required');
  return results.reduce((best, r) =>
    r.length < best.length || (r.length === best.length && onlyMissing(r) && !onlyMissing(best)) ? r : best,
  );
}

function validateString(s: Schema, v: string, path: string): RawError[] {
  const len = [...v].length;
  if (s.maxLength !== undefined && len > s.maxLength)
    return [
      {
        code: 'tooLong',
        name: path,
        value: v,
        max: s.maxLength,
        message: `${path} in ${IN} should be at most ${s.maxLength} chars long`,
      },
    ];
  if (s.minLength !== undefined && len < s.minLength)
    return [
      {
        code: 'invalid',
        name: path,
        value: v,
        message: `${path} in ${IN} should be at least ${s.minLength} chars long`,
      },
    ];
  if (s.pattern !== undefined && !new RegExp(s.pattern).test(v))
    return [{ code: 'invalid', name: path, value: v, message: `${path} in ${IN} should match '${s.pattern}'` }];
  return [];
}

function validateFormat(s: Schema, v: string, path: string): RawError[] {
  const format = effectiveFormat(s);
  const check = FORMAT_CHECKS[format.replace(/-/g, '')];
  if (!check || check(v)) return [];
  return [
    { code: 'type', name: path, value: v, message: `${path} in ${IN} must be of type ${format}: ${JSON.stringify(v)}` },
  ];
}

function validateNumber(s: Schema, v: number, path: string): RawError[] {
  const out: RawError[] = [];
  const exMax = s.exclusiveMaximum === true;
  const exMin = s.exclusiveMinimum === true;
  if (s.maximum !== undefined && (exMax ? v >= s.maximum : v > s.maximum)) {
    out.push({
      code: 'invalid',
      name: path,
      value: v,
      message: `${path} in ${IN} should be less than ${exMax ? '' : 'or equal to '}${s.maximum}`,
    });
  }
  if (s.minimum !== undefined && (exMin ? v <= s.minimum : v < s.minimum)) {
    out.push({
      code: 'invalid',
      name: path,
      value: v,
      message: `${path} in ${IN} should be greater than ${exMin ? '' : 'or equal to '}${s.minimum}`,
    });
  }
  return out;
}

function validateArray(s: Schema, v: Json[], path: string): RawError[] {
  const out: RawError[] = [];
  if (s.items) for (const [i, item] of v.entries()) out.push(...validateNode(s.items, item, `${path}[${i}]`));
  if (s.minItems !== undefined && v.length < s.minItems)
    out.push({
      code: 'invalid',
      name: path,
      value: v.length,
      message: `${path} in ${IN} should have at least ${s.minItems} items`,
    });
  if (s.maxItems !== undefined && v.length > s.maxItems)
    out.push({
      code: 'maxItems',
      name: path,
      actual: v.length,
      max: s.maxItems,
      message: `${path} in ${IN} should have at most ${s.maxItems} items`,
    });
  return out;
}

function sameJson(a: Json, b: Json): boolean {
  return (
    JSON.stringify(a) === JSON.stringify(b) ||
    (isMap(a) &&
      isMap(b) &&
      Object.keys(a).length === Object.keys(b).length &&
      Object.keys(a).every((k) => k in b && sameJson(a[k]!, b[k]!)))
  );
}

function validateEnum(s: Schema, v: Json, path: string): RawError[] {
  if (!s.enum?.length || s.enum.some((e) => sameJson(e, v))) return [];
  return [
    {
      code: 'enum',
      name: path,
      value: v,
      values: s.enum,
      message: `${path} in ${IN} should be one of ${JSON.stringify(s.enum)}`,
    },
  ];
}

function validateObjectNode(s: Schema, v: JsonMap, path: string): RawError[] {
  const size = Object.keys(v).length;
  if (s.minProperties !== undefined && size < s.minProperties)
    return [
      {
        code: 'invalid',
        name: path,
        value: size,
        message: `${path} in ${IN} should have at least ${s.minProperties} properties`,
      },
    ];
  if (s.maxProperties !== undefined && size > s.maxProperties)
    return [
      {
        code: 'tooManyProps',
        name: path,
        actual: size,
        max: s.maxProperties,
        message: `${path} in ${IN} should have at most ${s.maxProperties} properties`,
      },
    ];
  const out: RawError[] = [];
  const ap = s.additionalProperties;
  if (ap === false) {
    for (const k of Object.keys(v))
      if (!s.properties?.[k])
        out.push({ code: 'invalid', name: path, value: k, message: `${path}.${k} in ${IN} is a forbidden property` });
  } else if (ap && ap !== true) {
    for (const [k, item] of Object.entries(v))
      if (!s.properties?.[k]) out.push(...validateNode(ap, item, `${path}.${k}`));
  }
  for (const [k, prop] of Object.entries(s.properties ?? {})) {
    if (k in v && v[k] !== undefined) out.push(...validateNode(prop, v[k]!, path === '' ? k : `${path}.${k}`));
  }
  for (const k of s.required ?? [])
    if (!(k in v) || v[k] === undefined)
      out.push({ code: 'required', name: `${path}.${k}`, message: `${path}.${k} in ${IN} is required` });
  return out;
}

/** Validates one value against one schema node: kube-openapi's SchemaValidator.Validate. */
function validateNode(s: Schema, v: Json, path: string): RawError[] {
  if (v === null) return [...validateType(s, v, path), ...validateEnum(s, v, path)];
  const out = [...validateType(s, v, path), ...validateComposition(s, v, path)];
  if (typeof v === 'string') out.push(...validateString(s, v, path), ...validateFormat(s, v, path));
  if (typeof v === 'number') out.push(...validateNumber(s, v, path));
  if (Array.isArray(v)) out.push(...validateArray(s, v, path));
  out.push(...validateEnum(s, v, path));
  if (isMap(v)) out.push(...validateObjectNode(s, v, path));
  return out;
}

function invalid(field: string, value: Json | undefined, detail: string, reason = 'FieldValueInvalid'): FieldError {
  return { reason, field, message: `Invalid value: ${formatGoValue(value ?? '')}: ${detail}` };
}

/** apiextensions' kubeOpenAPIResultToFieldErrors: reason and message per error kind. */
function toFieldError(e: RawError): FieldError {
  // Composite errors (oneOf/anyOf/allOf/not) carry no field: the apiserver prints `<nil>`.
  if (e.code === 'composite') return invalid('<nil>', '', e.message);
  const field = e.name.replace(/^\./, '');
  switch (e.code) {
    case 'required':
      return { reason: 'FieldValueRequired', field, message: 'Required value' };
    case 'enum': {
      const values = (e.values ?? []).map((x) => JSON.stringify(typeof x === 'string' ? x : JSON.stringify(x)));
      const supported = values.length > 0 ? `: supported values: ${values.join(', ')}` : '';
      return {
        reason: 'FieldValueNotSupported',
        field,
        message: `Unsupported value: ${formatGoValue(e.value ?? null)}${supported}`,
      };
    }
    case 'tooLong':
      return { reason: 'FieldValueTooLong', field, message: `Too long: may not be more than ${e.max} bytes` };
    case 'maxItems':
    case 'tooManyProps':
      return { reason: 'FieldValueTooMany', field, message: `Too many: ${e.actual}: must have at most ${e.max} items` };
    case 'type':
      return invalid(field, e.value, e.message, 'FieldValueTypeInvalid');
    default:
      return invalid(field, e.value, e.message);
  }
}

/**
 * Validates the object against its version's structural schema and returns the apiserver's
 * field errors (fields without a leading dot, `spec.update.windows[0].from`), followed by the
 * list-type checks (duplicate keys of `map` lists, duplicate values of `set` lists).
 */
export function validateObject(schema: Schema, obj: Obj): FieldError[] {
  const value = obj as unknown as JsonMap;
  return [...validateNode(schema, value, '').map(toFieldError), ...listTypeDuplicates(schema, value, '')];
}
