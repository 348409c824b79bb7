import { describe, expect, it } from 'vitest';
import { getPath, jsonEqual } from '../../src/core/values.ts';

describe('jsonEqual: equal exactly when the API server would store the same thing', () => {
  it('ignores key order and compares numbers by value', () => {
    expect(jsonEqual({ a: 1, b: [1, { c: 2 }] }, { b: [1, { c: 2.0 }], a: 1 })).toBe(true);
    expect(jsonEqual([1, 2], [2, 1])).toBe(false);
  });

  it('treats a key holding undefined like an absent key (it does not serialize)', () => {
    expect(jsonEqual({ a: 1, b: undefined }, { a: 1 })).toBe(true);
    expect(jsonEqual({ a: 1 }, { a: 1, b: undefined })).toBe(true);
    expect(jsonEqual({ a: undefined }, { b: undefined })).toBe(true);
    expect(jsonEqual({ a: null }, {})).toBe(false);
  });

  it('getPath walks objects and arrays, undefined when the path leaves the value', () => {
    const v = { spec: { windows: [{ from: '8:00' }] } };
    expect(getPath(v, ['spec', 'windows', 0, 'from'])).toBe('8:00');
    expect(getPath(v, ['spec', 'windows', 'x'])).toBeUndefined();
  });
});
