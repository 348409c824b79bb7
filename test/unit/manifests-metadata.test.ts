// metadata rules: what the API server or Deckhouse admission would reject, found before
// anything is applied, and what modsync reserves for itself.
import { describe, expect, it } from 'vitest';
import { checkMetadata, qualifiedNameProblem, subdomainProblem } from '../../src/manifests/metadata.ts';

const problems = (metadata: unknown) =>
  checkMetadata({ apiVersion: 'deckhouse.io/v1alpha1', kind: 'ModuleSource', metadata }).map(
    (p) => `${p.severity} ${p.path.join('.')}: ${p.message}`,
  );

describe('checkMetadata', () => {
  it('accepts name, labels and string annotations', () => {
    expect(
      problems({
        name: 'acme.modules-1',
        labels: { team: 'platform', 'example.com/tier': '' },
        annotations: { 'modsync.io/prune': 'disabled', note: 'free text: anything' },
      }),
    ).toEqual([]);
  });

  it('requires a name that is a DNS subdomain', () => {
    expect(problems(undefined)).toEqual(['error : metadata.name: is required']);
    expect(problems({ labels: {} })).toEqual(['error metadata: metadata.name: is required']);
    expect(problems({ name: 12 })).toEqual(['error metadata.name: metadata.name: must be a string; quote it: "12"']);
    expect(subdomainProblem('a'.repeat(254))).toBe('must be at most 253 characters');
    expect(subdomainProblem('-a')).toMatch(/lowercase letters/);
  });

  it('checks label keys and values like the API server', () => {
    expect(problems({ name: 'a', labels: { 'bad key!': 'x', ok: 'has space', n: 5 } })).toEqual([
      'error metadata.labels.bad key!: label key "bad key!": name must be 1-63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit',
      'error metadata.labels.ok: label "ok": value must be at most 63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit',
      'error metadata.labels.n: label "n": values must be strings; quote it: "5"',
    ]);
    expect(qualifiedNameProblem('Example.com/x')).toBe('prefix must be a DNS subdomain (lowercase, e.g. example.com)');
    expect(qualifiedNameProblem('a/b/c')).toBe('may contain at most one "/"');
  });

  it('forbids the heritage label and the ownership label', () => {
    expect(
      problems({ name: 'a', labels: { heritage: 'deckhouse', 'modsync.io/instance': 'prod' } }).map(
        (p) => p.split(':')[0],
      ),
    ).toEqual(['error metadata.labels.heritage', 'error metadata.labels.modsync.io/instance']);
  });

  it('warns about a namespace and rejects fields modsync cannot apply', () => {
    expect(problems({ name: 'a', namespace: 'd8-system', uid: 'x', generateName: 'a-', finalizers: [] })).toEqual([
      'warning metadata.namespace: metadata.namespace: this kind is cluster-scoped; the namespace is ignored',
      'error metadata.uid: metadata.uid: is set by the API server; remove it (copied from kubectl get output?)',
      'error metadata.generateName: metadata.generateName: not supported; set metadata.name',
      'error metadata.finalizers: metadata.finalizers: modsync applies only name, labels and annotations; remove it',
    ]);
  });

  it('requires mappings of strings for labels and annotations', () => {
    expect(problems({ name: 'a', annotations: ['x'] })).toEqual([
      'error metadata.annotations: metadata.annotations: must be a mapping of strings',
    ]);
    expect(problems({ name: 'a', annotations: { enabled: true, nested: { a: 1 } } })).toEqual([
      'error metadata.annotations.enabled: annotation "enabled": values must be strings; quote it: "true"',
      'error metadata.annotations.nested: annotation "nested": values must be strings',
    ]);
  });
});
