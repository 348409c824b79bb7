/**
 * ObjectMeta handling on writes: which metadata fields exist (others are dropped like the
 * apiserver's decoder does), name/label validation with apimachinery's messages, generateName.
 */
import { randomUUID } from 'node:crypto';
import { OBJECT_META_FIELDS } from './schema.ts';
import type { FieldError, JsonMap, Obj } from './types.ts';
import { cloneJson } from './clone.ts';

/** Fields the server owns: clients cannot set them (they are taken from the stored object). */
export const SYSTEM_META = [
  'uid',
  'creationTimestamp',
  'generation',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'selfLink',
] as const;

/** Drops metadata fields ObjectMeta does not have; returns their paths for the unknown-field report. */
export function dropUnknownMeta(obj: Obj): string[] {
  const dropped: string[] = [];
  for (const k of Object.keys(obj.metadata)) {
    if (!OBJECT_META_FIELDS.has(k)) {
      delete obj.metadata[k];
      dropped.push(`.metadata.${k}`);
    }
  }
  return dropped;
}

/** Copies the server-owned metadata from `from` (or clears it on create). */
export function carrySystemMeta(target: Obj, from: Obj | undefined): void {
  for (const k of SYSTEM_META) {
    const v = from?.metadata[k];
    if (v === undefined) delete target.metadata[k];
    else target.metadata[k] = cloneJson(v);
  }
}

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

const SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

function invalidValue(field: string, value: string, detail: string): FieldError {
  return { reason: 'FieldValueInvalid', field, message: `Invalid value: ${JSON.stringify(value)}: ${detail}` };
}

function validateQualifiedKey(key: string, field: string): FieldError[] {
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : '';
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  const errs: FieldError[] = [];
  if (slash >= 0 && (!DNS1123_SUBDOMAIN.test(prefix) || prefix.length > 253)) {
    errs.push(invalidValue(field, key, `prefix part ${SUBDOMAIN_MSG}`));
  }
  if (name.length === 0 || name.length > 63 || !QUALIFIED_NAME.test(name)) {
    errs.push(
      invalidValue(
        field,
        key,
        "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
      ),
    );
  }
  return errs;
}

/** ObjectMeta validation as `ValidateObjectMetaAccessor` with `NameIsDNSSubdomain` reports it. */
export function validateMeta(obj: Obj): FieldError[] {
  const errs: FieldError[] = [];
  const { name } = obj.metadata;
  if (!name) {
    errs.push({
      reason: 'FieldValueRequired',
      field: 'metadata.name',
      message: 'Required value: name or generateName is required',
    });
  } else if (name.length > 253 || !DNS1123_SUBDOMAIN.test(name)) {
    errs.push(
      invalidValue('metadata.name', name, name.length > 253 ? 'must be no more than 253 characters' : SUBDOMAIN_MSG),
    );
  }
  const labels = (obj.metadata.labels ?? {}) as JsonMap;
  for (const [k, v] of Object.entries(labels)) {
    errs.push(...validateQualifiedKey(k, 'metadata.labels'));
    const value = String(v);
    if (value.length > 63 || !LABEL_VALUE.test(value)) {
      errs.push(
        invalidValue(
          'metadata.labels',
          value,
          "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
        ),
      );
    }
  }
  const annotations = (obj.metadata.annotations ?? {}) as JsonMap;
  for (const k of Object.keys(annotations)) errs.push(...validateQualifiedKey(k, 'metadata.annotations'));
  return errs;
}

const GENERATE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** `generateName` + five random characters, as the apiserver's SimpleNameGenerator does. */
export function generateName(base: string): string {
  let suffix = '';
  for (let i = 0; i < 5; i++) suffix += GENERATE_ALPHABET[Math.floor(Math.random() * GENERATE_ALPHABET.length)];
  return `${base.slice(0, 58)}${suffix}`;
}

/** A new object uid. */
export function newUid(): string {
  return randomUUID();
}
