import { describe, expect, it } from 'vitest';
import type { ChangeEntry } from '../../src/core/change-set.ts';
import { entry } from '../../src/core/change-set.ts';
import { guard } from '../../src/pipeline/guard.ts';

const del = (name: string): ChangeEntry =>
  entry({ kind: 'ModuleConfig', name }, 'delete', 'planned', { destructive: 'delete' });
const upd = (name: string, extra: Partial<ChangeEntry> = {}): ChangeEntry =>
  entry({ kind: 'ModuleConfig', name }, 'update', 'planned', extra);
const held = (entries: ChangeEntry[]): string[] => entries.filter((e) => e.outcome === 'held').map((e) => e.subject);

describe('guard: destructive-change budget', () => {
  it('within budget everything proceeds', () => {
    const r = guard([upd('a'), del('b'), upd('c', { destructive: 'disable' })], { maxDestructive: 2 });
    expect(r.map((c) => c.outcome)).toEqual(['planned', 'planned', 'planned']);
  });

  it('over budget ALL destructive changes are held with the budget message; the rest proceeds', () => {
    const changes = [upd('a'), upd('b', { destructive: 'disable' }), del('c'), del('d')];
    const r = guard(changes, { maxDestructive: 2 });
    expect(r.map((c) => `${c.subject} ${c.outcome}`)).toEqual([
      'ModuleConfig/a planned',
      'ModuleConfig/b held',
      'ModuleConfig/c held',
      'ModuleConfig/d held',
    ]);
    expect(r[1]?.message).toBe('held back: 3 destructive changes exceed the budget of 2 (--max-destructive)');
    // The input is not changed.
    expect(changes[1]?.outcome).toBe('planned');
  });

  it('entries already held (protection) do not count against the budget', () => {
    const protectedHeld = entry({ kind: 'ModuleConfig', name: 'global' }, 'delete', 'held', {
      destructive: 'delete',
      message: 'protected',
    });
    const r = guard([protectedHeld, del('x')], { maxDestructive: 1 });
    expect(held(r)).toEqual(['ModuleConfig/global']);
    expect(r[0]?.message).toBe('protected');
    expect(r[1]?.outcome).toBe('planned');
  });

  it('a budget of 0 holds every destructive change', () => {
    expect(held(guard([del('x')], { maxDestructive: 0 }))).toEqual(['ModuleConfig/x']);
  });

  it('keeps what the entries carry (the planned work), only the outcome changes', () => {
    const withWork = { ...del('c'), remove: { uid: 'u', resourceVersion: '1' } };
    const [r] = guard([withWork], { maxDestructive: 0 });
    expect(r).toMatchObject({ outcome: 'held', remove: { uid: 'u', resourceVersion: '1' } });
  });
});
