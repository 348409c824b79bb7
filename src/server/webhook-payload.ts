/**
 * Shape checks of the webhook payload fields modsync reads, for GitHub and Gitea (`push`,
 * `pull_request`) and GitLab (`Push Hook`, `Merge Request Hook`). A signed request is still
 * input: `null`, `commits: "x"` or `commits: [null]` must be a 400 with a reason, never an
 * uncaught TypeError (500). Only the fields read are checked; everything else may be anything.
 */
import type { Forge } from './webhook.ts';

type Kind = 'string' | 'number' | 'object' | 'array';
interface FieldBase {
  key: string;
  required?: boolean;
  nullable?: boolean;
}
type Field = (FieldBase & { kind: Kind; items?: Shape }) | (FieldBase & { kind: 'object'; shape: Shape });
type Shape = readonly Field[];

const AUTHOR: Shape = [{ key: 'email', kind: 'string', nullable: true }];
const COMMIT: Shape = [{ key: 'author', kind: 'object', shape: AUTHOR, nullable: true }];

/** Push events: GitHub/Gitea name the new commit `after`, GitLab also `checkout_sha` (null on a branch delete). */
const PUSH: Shape = [
  { key: 'ref', kind: 'string', required: true },
  { key: 'after', kind: 'string', nullable: true },
  { key: 'checkout_sha', kind: 'string', nullable: true },
  { key: 'commits', kind: 'array', items: COMMIT, nullable: true },
];

const BRANCH: Shape = [
  { key: 'ref', kind: 'string' },
  { key: 'sha', kind: 'string' },
];
const PULL: Shape = [
  { key: 'action', kind: 'string' },
  { key: 'number', kind: 'number' },
  {
    key: 'pull_request',
    kind: 'object',
    shape: [
      { key: 'number', kind: 'number' },
      { key: 'base', kind: 'object', shape: BRANCH },
      { key: 'head', kind: 'object', shape: BRANCH },
    ],
  },
];
const MERGE_REQUEST: Shape = [
  {
    key: 'object_attributes',
    kind: 'object',
    shape: [
      { key: 'iid', kind: 'number' },
      { key: 'action', kind: 'string' },
      { key: 'source_branch', kind: 'string' },
      { key: 'target_branch', kind: 'string' },
      { key: 'oldrev', kind: 'string', nullable: true },
      { key: 'last_commit', kind: 'object', shape: [{ key: 'id', kind: 'string' }], nullable: true },
    ],
  },
];

const KIND_NAMES: Record<Kind, string> = {
  string: 'a string',
  number: 'a number',
  object: 'an object',
  array: 'a list',
};

function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

function fits(v: unknown, kind: Kind): boolean {
  if (kind === 'array') return Array.isArray(v);
  if (kind === 'object') return typeof v === 'object' && v !== null && !Array.isArray(v);
  return typeof v === kind;
}

function checkShape(value: Record<string, unknown>, shape: Shape, at: string): string | undefined {
  for (const f of shape) {
    const path = at ? `${at}.${f.key}` : f.key;
    const v = value[f.key];
    if (v === undefined) {
      if (f.required) return `${path}: missing`;
      continue;
    }
    if (v === null && f.nullable) continue;
    if (!fits(v, f.kind)) return `${path}: expected ${KIND_NAMES[f.kind]}, got ${kindOf(v)}`;
    if ('shape' in f) {
      const bad = checkShape(v as Record<string, unknown>, f.shape, path);
      if (bad) return bad;
    }
    if ('items' in f && f.items) {
      const items = v as unknown[];
      for (let i = 0; i < items.length; i++) {
        const item = items[i];
        if (!fits(item, 'object')) return `${path}[${i}]: expected an object, got ${kindOf(item)}`;
        const bad = checkShape(item as Record<string, unknown>, f.items, `${path}[${i}]`);
        if (bad) return bad;
      }
    }
  }
  return undefined;
}

/** Why the payload cannot be a `push` (or pull request) event of `forge`; undefined when it can. */
export function payloadProblem(forge: Forge, pullEvent: boolean, payload: unknown): string | undefined {
  if (!fits(payload, 'object')) return `payload: expected an object, got ${kindOf(payload)}`;
  const shape = !pullEvent ? PUSH : forge === 'gitlab' ? MERGE_REQUEST : PULL;
  return checkShape(payload as Record<string, unknown>, shape, '');
}
