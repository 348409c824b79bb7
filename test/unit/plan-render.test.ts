import { describe, expect, it } from 'vitest';
import type { ChangeSet } from '../../src/core/change-set.ts';
import { entry } from '../../src/core/change-set.ts';
import type { ManagedKind } from '../../src/core/kinds.ts';
import type { KubeObject } from '../../src/core/object.ts';
import { MASK } from '../../src/core/redact.ts';
import { renderChanges, summaryLine } from '../../src/core/render-changes.ts';
import { loadSchemaInfo } from '../../src/core/schema-info.ts';
import type { KindHandler } from '../../src/kinds/types.ts';
import { planChanges } from '../../src/pipeline/plan.ts';

const changes: ChangeSet = [
  entry({ kind: 'ModuleSource', name: 'example' }, 'create', 'planned', {
    diff: [{ path: 'spec.registry.repo', after: 'registry.example.io/m' }],
  }),
  entry({ kind: 'ModuleConfig', name: 'foo' }, 'update', 'planned', {
    destructive: 'disable',
    diff: [{ path: 'spec.enabled', before: true, after: false }],
  }),
  entry({ kind: 'ModuleConfig', name: 'bar' }, 'update', 'planned', {
    diff: [{ path: 'spec.settings.note', before: 'a | b', after: 'two words' }],
  }),
  entry({ kind: 'ModuleConfig', name: 'same' }, 'unchanged', 'planned'),
  entry({ kind: 'ModuleConfig', name: 'old' }, 'delete', 'planned', { destructive: 'delete' }),
  entry({ kind: 'ModuleConfig', name: 'global' }, 'delete', 'held', {
    destructive: 'delete',
    message: 'protected: modsync never deletes it (not pruned)',
  }),
];

describe('renderChanges', () => {
  it('text: a field-level diff per changed object, messages, and the summary line', () => {
    expect(renderChanges(changes, 'text', { color: false })).toBe(
      [
        '+ ModuleSource/example (create)',
        '    spec.registry.repo: registry.example.io/m',
        '~ ModuleConfig/foo (update, destructive: disable)',
        '    spec.enabled: true → false',
        '~ ModuleConfig/bar (update)',
        '    spec.settings.note: "a | b" → two words',
        '- ModuleConfig/old (delete, destructive: delete)',
        '- ModuleConfig/global (delete, held, destructive: delete)',
        '    protected: modsync never deletes it (not pruned)',
        'Plan: 1 to create, 2 to update, 1 to delete, 1 unchanged, 1 held',
        '',
      ].join('\n'),
    );
  });

  it('text: strings that would read as another type are quoted', () => {
    const c = [
      entry({ kind: 'ModuleConfig', name: 'q' }, 'update', 'planned', {
        diff: [
          { path: 'spec.settings.flag', before: 'true', after: true },
          { path: 'spec.settings.n', before: '', after: '42' },
        ],
      }),
    ];
    const out = renderChanges(c, 'text', { color: false });
    expect(out).toContain('spec.settings.flag: "true" → true');
    expect(out).toContain('spec.settings.n: "" → "42"');
  });

  it('text: a field modsync stops applying shows as removed', () => {
    const c = [
      entry({ kind: 'ModuleConfig', name: 'r' }, 'update', 'planned', {
        diff: [{ path: 'spec.updatePolicy', before: 'stable' }],
      }),
    ];
    expect(renderChanges(c, 'text', { color: false })).toContain('    spec.updatePolicy: stable → (removed)\n');
  });

  it('text: ANSI colors only when asked', () => {
    expect(renderChanges(changes, 'text', { color: false })).not.toContain('\u001b[');
    const colored = renderChanges(changes, 'text', { color: true });
    expect(colored).toContain('\u001b[32m+ ModuleSource/example (create)\u001b[0m');
    expect(colored).toContain('\u001b[31m- ModuleConfig/old');
  });

  it('markdown: a change table plus <details> diffs, pipes escaped', () => {
    const md = renderChanges(changes, 'markdown', { color: true });
    expect(md).toContain('**Plan: 1 to create, 2 to update, 1 to delete, 1 unchanged, 1 held**');
    expect(md).toContain('| ~ | `ModuleConfig/foo` | update | planned | destructive: disable |');
    expect(md).toContain('<details><summary>ModuleConfig/foo (update)</summary>');
    expect(md).toContain('- spec.enabled: true\n+ spec.enabled: false');
    expect(md).not.toContain('ModuleConfig/same');
    expect(md).not.toContain('\u001b[');
    expect(renderChanges([changes[3]!], 'markdown', { color: false })).toContain('No changes.');
  });

  it('json: a stable machine shape with the summary', () => {
    const parsed = JSON.parse(renderChanges(changes, 'json', { color: false }));
    expect(parsed.summary).toMatchObject({ create: 1, update: 2, delete: 1, unchanged: 1, held: 1 });
    expect(parsed.changes[0].diff).toEqual([{ path: 'spec.registry.repo', after: 'registry.example.io/m' }]);
    expect(parsed.changes[1]).toEqual({
      subject: 'ModuleConfig/foo',
      kind: 'ModuleConfig',
      name: 'foo',
      action: 'update',
      outcome: 'planned',
      destructive: 'disable',
      diff: [{ path: 'spec.enabled', before: true, after: false }],
    });
  });

  it('a planned dockerCfg never reaches any rendered output', () => {
    const secret = Buffer.from('{"auths":{"r.example.io":{"auth":"c2VjcmV0LXBhc3N3b3Jk"}}}').toString('base64');
    const handler = (kind: ManagedKind): KindHandler => ({
      kind,
      apiVersions: ['deckhouse.io/v1alpha1'],
      validate: () => [],
      toApplied: (object) => ({ object, warnings: [] }),
      references: () => [],
      sameValue: () => false,
      ignoreDrift: () => false,
      destructive: () => undefined,
    });
    const ms: KubeObject = {
      apiVersion: 'deckhouse.io/v1alpha1',
      kind: 'ModuleSource',
      metadata: { name: 'p' },
      spec: { registry: { repo: 'r.example.io/m', dockerCfg: secret } },
    };
    const plan = planChanges({
      desired: [{ id: { kind: 'ModuleSource', name: 'p' }, object: ms }],
      live: new Map(),
      instance: 'modsync',
      prune: false,
      protectedNames: [],
      handlers: handler,
      schemas: loadSchemaInfo(),
    });
    for (const format of ['text', 'json', 'markdown'] as const) {
      const out = renderChanges(plan.entries, format, { color: false });
      expect(out).not.toContain(secret);
      expect(out).toContain(MASK);
    }
  });
});

describe('summary of a sync', () => {
  it('says what was done rather than what is planned', () => {
    const id = { kind: 'ModuleConfig' as const, name: 'a' };
    const changes = [
      { id, subject: 'ModuleConfig/a', action: 'create' as const, outcome: 'applied' as const },
      {
        id: { kind: 'ModuleRelease' as const, name: 'a-v1.0.0' },
        subject: 'ModuleRelease/a-v1.0.0',
        action: 'approve' as const,
        outcome: 'applied' as const,
      },
    ];
    expect(summaryLine(changes, true)).toBe('Sync: 1 created, 0 updated, 0 deleted, 0 unchanged, 0 held, 1 approved');
    expect(summaryLine(changes)).toBe('Plan: 1 to create, 0 to update, 0 to delete, 0 unchanged, 0 held, 1 to approve');
  });
});
