/**
 * The OpenAPI/Kubernetes formats CRD schemas use that ajv-formats lacks (int32, int64, byte,
 * quantity), on top of ajv-formats' full set. Validators compiled at run time add them to ajv;
 * generated ones (scripts/gen-validators.ts) look formats up in ajv-formats' table merged with
 * this one, and import both only when a schema uses a format.
 */

// Kubernetes resource quantity, e.g. `100m`, `1.5Gi`, `1e3` (apimachinery's quantity grammar).
const QUANTITY = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+|[KMGTPE]i|[numkMGTPE])?$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** A format check in ajv's shape: the JSON type it applies to and the test. */
export interface FormatCheck {
  type: 'number' | 'string';
  validate: (value: never) => boolean;
}

/** Formats modsync defines on top of ajv-formats (the same names replace ajv-formats' own). */
export const KUBERNETES_FORMATS: Record<string, FormatCheck> = {
  int32: { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31 },
  int64: { type: 'number', validate: (n: number) => Number.isInteger(n) },
  byte: { type: 'string', validate: (s: string) => BASE64.test(s) },
  quantity: { type: 'string', validate: (s: string) => QUANTITY.test(s) },
};
