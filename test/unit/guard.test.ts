import { describe, expect, it } from 'vitest';
import type { ChangeEntry } from '../../src/core/change-set.ts';
import { entry } from '../../src/core/change-set.ts';
import { guard, guardPlan } from '../../src/pipeline/guard.ts';
import type { Plan } from '../../src/pipeline/plan.ts';

const del = (name: string): ChangeEntry => entry({ kind: 'ModuleConfig', name }, 'delete', 'planned', { destructive: 'delete' });
const upd = (name: string, extra: Partial<ChangeEntry> = {}): ChangeEntry => entry({ kind: 'ModuleConfig', name }, 'update', 'planned', extra);

describe('guard: destructive-change budget', () => {
  it('within budget everything proceeds', () => {
    const changes = [upd('a'), del('b'), upd('c', { destructive: 'disable' })];
    const r = guard(changes, { maxDestructive: 2 });
    expect(r.held).toEqual([]);
    expect(r.changes.map((c) => c.outcome)).toEqual(['planned', 'planned', 'planned']);
  });

  it('over budget ALL destructive changes are held with the budget message; the rest proceeds', () => {
    const changes = [upd('a'), upd('b', { destructive: 'disable' }), del('c'), del('d')];
    const r = guard(changes, { maxDestructive: 2 });
    expect(r.changes.map((c) => `${c.subject} ${c.outcome}`)).toEqual([
      'ModuleConfig/a planned',
      'ModuleConfig/b held',
      'ModuleConfig/c held',
      'ModuleConfig/d held',
    ]);
    expect(r.held.map((h) => h.subject)).toEqual(['ModuleConfig/b', 'ModuleConfig/c', 'ModuleConfig/d']);
    expect(r.held[0]?.message).toBe('held back: 3 destructive changes exceed the budget of 2 (--max-destructive)');
    expect(changes[1]?.outcome).toBe('planned');
  });

  it('entries already held (protection) do not count against the budget', () => {
    const protectedHeld = entry({ kind: 'ModuleConfig', name: 'global' }, 'delete', 'held', { destructive: 'delete', message: 'protected' });
    const r = guard([protectedHeld, del('x')], { maxDestructive: 1 });
    expect(r.held).toEqual([]);
    expect(r.changes[0]?.message).toBe('protected');
  });

  it('a budget of 0 holds every destructive change', () => {
    expect(guard([del('x')], { maxDestructive: 0 }).held).toHaveLength(1);
  });

  it('guardPlan drops held entries from what gets applied and deleted', () => {
    const plan: Plan = {
      changes: [upd('a'), upd('b', { destructive: 'disable' }), del('c')],
      toApply: [
        { id: { kind: 'ModuleConfig', name: 'a' }, object: { apiVersion: 'v', kind: 'ModuleConfig', metadata: { name: 'a' } }, fields: undefined as never },
        { id: { kind: 'ModuleConfig', name: 'b' }, object: { apiVersion: 'v', kind: 'ModuleConfig', metadata: { name: 'b' } }, fields: undefined as never },
      ],
      toDelete: [{ id: { kind: 'ModuleConfig', name: 'c' }, uid: 'u', resourceVersion: '1' }],
    };
    const g = guardPlan(plan, { maxDestructive: 1 });
    expect(g.toApply.map((a) => a.id.name)).toEqual(['a']);
    expect(g.toDelete).toEqual([]);
  });
});
