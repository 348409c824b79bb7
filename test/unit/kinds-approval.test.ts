// ModuleReleaseApproval files: the file name a reviewer sees must match what it approves.
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/core/object.ts';
import { approvalSpecOf, validateApproval } from '../../src/kinds/approval.ts';

function approval(name: string, spec: Record<string, unknown>): KubeObject {
  return {
    apiVersion: 'modsync.io/v1alpha1',
    kind: 'ModuleReleaseApproval',
    metadata: { name },
    spec: spec as KubeObject['spec'],
  };
}
const problems = (obj: KubeObject) => validateApproval(obj).map((p) => `${p.severity} ${p.path.join('.')}`);

describe('validateApproval', () => {
  it('accepts an exact version named after the release, and a range with any name', () => {
    expect(problems(approval('module-two-v1.2.5', { module: 'module-two', version: '1.2.5' }))).toEqual([]);
    expect(problems(approval('module-two-v1.3.0-rc.1', { module: 'module-two', version: '1.3.0-rc.1' }))).toEqual([]);
    expect(problems(approval('module-two-patches', { module: 'module-two', versions: '>=1.2.5 <1.3.0' }))).toEqual([]);
  });

  it('accepts a leading v with a warning, normalising it', () => {
    const obj = approval('module-two-v1.2.5', { module: 'module-two', version: 'v1.2.5' });
    expect(problems(obj)).toEqual(['warning spec.version']);
    expect(approvalSpecOf(obj)).toEqual({ name: 'module-two-v1.2.5', module: 'module-two', version: '1.2.5' });
  });

  it('requires exactly one of version and versions', () => {
    expect(problems(approval('x', { module: 'm' }))).toEqual(['error spec']);
    expect(problems(approval('m-v1.0.0', { module: 'm', version: '1.0.0', versions: '1.x' }))).toEqual([
      'error spec.versions',
    ]);
  });

  it('rejects bad versions, ranges, module names and mismatched names', () => {
    expect(problems(approval('m-v1.2', { module: 'm', version: '1.2' }))).toEqual(['error spec.version']);
    expect(problems(approval('m', { module: 'm', versions: 'next please' }))).toEqual(['error spec.versions']);
    expect(problems(approval('m', { module: 'm', versions: '*' }))).toEqual(['warning spec.versions']);
    expect(problems(approval('Mod-v1.0.0', { module: 'Mod', version: '1.0.0' }))).toEqual(['error spec.module']);
    expect(problems(approval('m-v1.0.1', { module: 'm', version: '1.0.0' }))).toEqual(['error metadata.name']);
  });
});
