import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/core/object.ts';
import { buildReport, type ReportInput } from '../../src/report/model.ts';
import { parseReport, renderMarkdown, renderYaml } from '../../src/report/render.ts';

function live(modulePhase: string, message = ''): Map<string, KubeObject[]> {
  return new Map<string, KubeObject[]>([
    [
      'ModuleSource',
      [
        {
          apiVersion: 'deckhouse.io/v1alpha1',
          kind: 'ModuleSource',
          metadata: { name: 'example' },
          status: {
            phase: 'Active',
            modulesCount: 2,
            syncTime: new Date().toISOString(),
            message: 'Some errors occurred. Inspect status for details',
            modules: [{ name: 'one' }, { name: 'broken', error: 'fetch image error: MANIFEST_UNKNOWN' }],
          },
        },
      ],
    ],
    [
      'Module',
      [
        {
          apiVersion: 'deckhouse.io/v1alpha1',
          kind: 'Module',
          metadata: { name: 'one' },
          properties: { source: 'example', version: 'v0.7.24', availableSources: ['example'] },
          status: {
            phase: modulePhase,
            conditions: [
              {
                type: 'IsReady',
                status: modulePhase === 'Ready' ? 'True' : 'False',
                message,
                lastProbeTime: new Date().toISOString(),
              },
              { type: 'EnabledByModuleManager', status: 'True' },
            ],
          },
        },
        {
          apiVersion: 'deckhouse.io/v1alpha1',
          kind: 'Module',
          metadata: { name: 'embedded-only' },
          properties: { source: 'Embedded' },
          status: { phase: 'Ready' },
        },
      ],
    ],
    [
      'ModuleRelease',
      [
        {
          apiVersion: 'deckhouse.io/v1alpha1',
          kind: 'ModuleRelease',
          metadata: {
            name: 'one-v0.7.24',
            labels: { module: 'one', 'modules.deckhouse.io/update-policy': 'stable-auto' },
          },
          spec: { moduleName: 'one', version: '0.7.24' },
          status: { phase: 'Deployed', transitionTime: new Date().toISOString() },
        },
      ],
    ],
    [
      'ModuleConfig',
      [
        {
          apiVersion: 'deckhouse.io/v1alpha1',
          kind: 'ModuleConfig',
          metadata: { name: 'one' },
          spec: { enabled: true, source: 'example', updatePolicy: 'stable-auto' },
          status: { message: '' },
        },
      ],
    ],
  ]);
}

function input(over: Partial<ReportInput>): ReportInput {
  return {
    instance: 'modsync',
    commit: 'c1',
    now: '2026-11-21T10:00:00.000Z',
    live: live('Ready'),
    changes: [],
    ok: true,
    errors: [],
    requests: [],
    ...over,
  };
}

describe('status report', () => {
  it('renders identical bytes for an unchanged cluster at later commits and times', () => {
    const first = buildReport(input({}));
    const second = buildReport(
      input({ commit: 'c2', now: '2026-11-21T11:00:00.000Z', previous: parseReport(renderYaml(first)) }),
    );
    expect(renderYaml(second)).toBe(renderYaml(first));
    expect(renderMarkdown(second)).toBe(renderMarkdown(first));
  });

  it('moves observedAt and since only for the entries that changed', () => {
    const first = buildReport(input({}));
    const second = buildReport(
      input({
        commit: 'c2',
        now: '2026-11-21T11:00:00.000Z',
        live: live('Error', 'hook check failed'),
        previous: parseReport(renderYaml(first)),
      }),
    );
    expect(second.modules[0]).toMatchObject({
      name: 'one',
      phase: 'Error',
      message: 'hook check failed',
      observedAt: 'c2',
      since: '2026-11-21T11:00:00.000Z',
    });
    expect(second.sources[0]).toMatchObject({ observedAt: 'c1', since: '2026-11-21T10:00:00.000Z' });
    expect(renderMarkdown(second)).toContain('| one | example | v0.7.24 | Error | True | False | hook check failed |');
  });

  it('shows sources with per-module errors, releases, configs; leaves embedded modules out', () => {
    const md = renderMarkdown(buildReport(input({})));
    expect(md).toContain('| example | 2 | Active | Some errors occurred. Inspect status for details |');
    expect(md).toContain('| example | broken | fetch image error: MANIFEST_UNKNOWN |');
    expect(md).toContain('| one-v0.7.24 | Deployed | stable-auto |');
    expect(md).toContain('| one | true | example | stable-auto |');
    expect(md).not.toContain('embedded-only');
  });

  it("shows an older controller's status.moduleErrors[] like the current per-module errors", () => {
    const old: KubeObject = {
      apiVersion: 'deckhouse.io/v1alpha1',
      kind: 'ModuleSource',
      metadata: { name: 'legacy' },
      status: {
        phase: 'Active',
        modulesCount: 1,
        message: 'Some errors occurred. Inspect status for details',
        moduleErrors: [{ name: 'old-module', error: 'fetch image error: unauthorized' }],
      },
    };
    const report = buildReport({ ...input({}), live: new Map([['ModuleSource', [old]]]) });
    expect(report.sources[0]?.moduleErrors).toEqual([
      { module: 'old-module', error: 'fetch image error: unauthorized' },
    ]);
    expect(renderMarkdown(report)).toContain('| legacy | old-module | fetch image error: unauthorized |');
  });

  it('lists pending approvals with their pull request links', () => {
    const requests = [
      {
        module: 'two',
        branch: 'modsync/approve/two',
        releases: ['two-v1.2.6'],
        outcome: 'created' as const,
        url: 'https://git.example/pr/7',
      },
    ];
    expect(renderMarkdown(buildReport(input({ requests })))).toContain(
      '| two-v1.2.6 | two | [modsync/approve/two](https://git.example/pr/7) | waiting for merge |',
    );
  });
});
