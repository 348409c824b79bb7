// `modsync validate` output: people read text, tools read JSON, GitHub turns workflow
// commands into annotations on the pull request's diff.
import { describe, expect, it } from 'vitest';
import type { Issue } from '../../src/manifests/issues.ts';
import { formatIssues, hasErrors, issueError, issueWarning } from '../../src/manifests/issues.ts';

const ISSUES: Issue[] = [
  issueWarning('b.yaml', 3, 5, 'spec.releaseChannel: deprecated', 'ModuleSource/a'),
  issueError('a.yaml', 10, 1, 'kind Deployment (apps/v1) is not accepted'),
  issueError('b.yaml', 3, 5, 'spec.x: unknown field, "quoted": 100%', 'ModuleSource/a'),
];

describe('formatIssues', () => {
  it('text: file:line:col: severity: subject: message, sorted, errors first at one spot', () => {
    expect(formatIssues(ISSUES, 'text')).toBe(
      [
        'a.yaml:10:1: error: kind Deployment (apps/v1) is not accepted',
        'b.yaml:3:5: error: ModuleSource/a: spec.x: unknown field, "quoted": 100%',
        'b.yaml:3:5: warning: ModuleSource/a: spec.releaseChannel: deprecated',
      ].join('\n'),
    );
  });

  it('json: an array of the issues that parses back', () => {
    const parsed = JSON.parse(formatIssues(ISSUES, 'json')) as Issue[];
    expect(parsed).toHaveLength(3);
    expect(parsed[0]).toEqual({
      severity: 'error',
      file: 'a.yaml',
      line: 10,
      col: 1,
      message: 'kind Deployment (apps/v1) is not accepted',
    });
    expect(JSON.parse(formatIssues([], 'json'))).toEqual([]);
  });

  it('github: workflow commands with escaped data', () => {
    expect(formatIssues(ISSUES, 'github').split('\n')).toEqual([
      '::error file=a.yaml,line=10,col=1::kind Deployment (apps/v1) is not accepted',
      '::error file=b.yaml,line=3,col=5::ModuleSource/a: spec.x: unknown field, "quoted": 100%25',
      '::warning file=b.yaml,line=3,col=5::ModuleSource/a: spec.releaseChannel: deprecated',
    ]);
    expect(formatIssues([issueError('dir,x/a:b.yaml', 1, 1, 'two\nlines')], 'github')).toBe(
      '::error file=dir%2Cx/a%3Ab.yaml,line=1,col=1::two%0Alines',
    );
  });

  it('prints nothing for no issues in text and github', () => {
    expect(formatIssues([], 'text')).toBe('');
    expect(formatIssues([], 'github')).toBe('');
  });
});

describe('hasErrors', () => {
  it('is true only when an error is present', () => {
    expect(hasErrors(ISSUES)).toBe(true);
    expect(hasErrors([ISSUES[0]!])).toBe(false);
    expect(hasErrors([])).toBe(false);
  });
});
