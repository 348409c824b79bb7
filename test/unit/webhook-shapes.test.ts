/**
 * Signed webhooks with unexpected JSON shapes, through the real listener on 127.0.0.1:0:
 * every one is answered 400 with the field at fault, never 500, and asks for no sync. Payload
 * fields as the forges document them: GitHub `push`/`pull_request`, Gitea the same names,
 * GitLab `Push Hook` (`checkout_sha` null on a branch delete) and `Merge Request Hook`.
 */
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Redactor } from '../../src/core/redact.ts';
import { createLogger } from '../../src/log.ts';
import { startHttp } from '../../src/server/http.ts';
import { createMetrics } from '../../src/server/metrics.ts';
import type { Scheduler } from '../../src/server/scheduler.ts';

const SECRET = 'shape-secret-42';
const triggers: string[] = [];
const scheduler: Scheduler = {
  start() {},
  trigger: (reason) => void triggers.push(reason),
  stop: async () => true,
  fetched() {},
  ready: () => ({ ready: true, why: 'ok' }),
  idle: async () => {},
  runs: 0,
};
const logs: string[] = [];
const write = (l: string): void => void logs.push(l);
const logger = createLogger({ format: 'json', level: 'debug', redactor: new Redactor(), write });

let http: Awaited<ReturnType<typeof startHttp>>;
beforeAll(async () => {
  const webhook = { secret: SECRET, branch: 'main', ownEmail: 'modsync@example.invalid', pullRequests: true };
  http = await startHttp({ host: '127.0.0.1', port: 0, scheduler, metrics: createMetrics(), logger, webhook });
});
afterAll(async () => http?.close());
beforeEach(() => {
  triggers.length = 0;
  logs.length = 0;
});

let n = 0;
function signed(forge: 'github' | 'gitea' | 'gitlab', event: string, body: string): Record<string, string> {
  const sig = createHmac('sha256', SECRET).update(body).digest('hex');
  const id = `delivery-${++n}`;
  if (forge === 'github') {
    return { 'x-github-event': event, 'x-github-delivery': id, 'x-hub-signature-256': `sha256=${sig}` };
  }
  if (forge === 'gitea') return { 'x-gitea-event': event, 'x-gitea-delivery': id, 'x-gitea-signature': sig };
  return { 'x-gitlab-event': event, 'x-gitlab-event-uuid': id, 'x-gitlab-token': SECRET };
}

type Answer = { status: number; text: string };

async function deliver(forge: 'github' | 'gitea' | 'gitlab', event: string, body: string): Promise<Answer> {
  const headers = { 'content-type': 'application/json', ...signed(forge, event, body) };
  const res = await fetch(`${http.url}/webhook/${forge}`, { method: 'POST', headers, body });
  return { status: res.status, text: await res.text() };
}

/** The answer to a payload of the wrong shape. */
const refused = (why: string): Answer => ({ status: 400, text: `unexpected payload: ${why}\n` });

const PUSH_EVENT = { github: 'push', gitea: 'push', gitlab: 'Push Hook' } as const;
const PULL_EVENT = { github: 'pull_request', gitea: 'pull_request', gitlab: 'Merge Request Hook' } as const;

/** body → the reason after "unexpected payload: ". */
const BAD_PUSHES: [string, string][] = [
  ['null', 'payload: expected an object, got null'],
  ['[1]', 'payload: expected an object, got a list'],
  ['"push"', 'payload: expected an object, got a string'],
  ['{"after":"abc"}', 'ref: missing'],
  ['{"ref":7}', 'ref: expected a string, got a number'],
  ['{"ref":"refs/heads/main","commits":"x"}', 'commits: expected a list, got a string'],
  ['{"ref":"refs/heads/main","commits":[null]}', 'commits[0]: expected an object, got null'],
  ['{"ref":"refs/heads/main","commits":[{"author":"me"}]}', 'commits[0].author: expected an object, got a string'],
  [
    '{"ref":"refs/heads/main","commits":[{"author":{"email":5}}]}',
    'commits[0].author.email: expected a string, got a number',
  ],
  ['{"ref":"refs/heads/main","after":{"sha":"x"}}', 'after: expected a string, got an object'],
];

describe('signed webhooks with unexpected shapes', () => {
  for (const forge of ['github', 'gitea', 'gitlab'] as const) {
    it(`${forge} push: 400 with the field at fault, no sync`, async () => {
      for (const [body, why] of BAD_PUSHES) {
        expect(await deliver(forge, PUSH_EVENT[forge], body), body).toEqual(refused(why));
      }
      expect(triggers).toEqual([]);
      expect(logs.some((l) => l.includes('http handler failed'))).toBe(false);
    });
  }

  it('pull request events: 400 for GitHub/Gitea and GitLab shapes', async () => {
    const github = (body: string): Promise<Answer> => deliver('github', PULL_EVENT.github, body);
    const gitlab = (body: string): Promise<Answer> => deliver('gitlab', PULL_EVENT.gitlab, body);
    expect(await github('null')).toEqual(refused('payload: expected an object, got null'));
    const baseAsString = '{"action":"opened","pull_request":{"number":1,"base":"main"}}';
    expect(await github(baseAsString)).toEqual(refused('pull_request.base: expected an object, got a string'));
    const pullAsList = '{"action":"opened","pull_request":[]}';
    const gitea = await deliver('gitea', PULL_EVENT.gitea, pullAsList);
    expect(gitea).toEqual(refused('pull_request: expected an object, got a list'));
    const iidAsString = '{"object_attributes":{"iid":"3"}}';
    expect(await gitlab(iidAsString)).toEqual(refused('object_attributes.iid: expected a number, got a string'));
    const commitAsNumber = '{"object_attributes":{"iid":3,"last_commit":1}}';
    const lastCommit = await gitlab(commitAsNumber);
    expect(lastCommit).toEqual(refused('object_attributes.last_commit: expected an object, got a number'));
    expect(triggers).toEqual([]);
  });

  it('documented shapes still work: a GitLab branch delete (checkout_sha null) and a new merge request', async () => {
    const zeros = '0'.repeat(40);
    const del = `{"ref":"refs/heads/main","before":"a","after":"${zeros}","checkout_sha":null,"commits":[]}`;
    expect(await deliver('gitlab', 'Push Hook', del)).toEqual({ status: 202, text: 'sync requested\n' });
    const branches = { source_branch: 'f', target_branch: 'main' };
    const attributes = { iid: 3, action: 'open', ...branches, oldrev: null, last_commit: { id: 'c0ffee' } };
    const mr = JSON.stringify({ object_attributes: attributes });
    expect(await deliver('gitlab', 'Merge Request Hook', mr)).toEqual({ status: 202, text: 'sync requested\n' });
    expect(triggers).toEqual(['webhook:gitlab', 'webhook:gitlab']);
  });
});

describe('POST /sync bearer token', () => {
  it('accepts only the exact token, whatever the length of a wrong one', async () => {
    const post = async (auth?: string): Promise<number> => {
      const res = await fetch(`${http.url}/sync`, { method: 'POST', headers: auth ? { authorization: auth } : {} });
      return res.status;
    };
    expect(await post()).toBe(401);
    expect(await post('Bearer ')).toBe(401);
    expect(await post(`Bearer ${SECRET.slice(0, -1)}`)).toBe(401);
    expect(await post(`Bearer ${SECRET}x`)).toBe(401);
    expect(await post(`bearer ${SECRET}`)).toBe(401);
    expect(await post(`Bearer ${'x'.repeat(10_000)}`)).toBe(401);
    expect(triggers).toEqual([]);
    expect(await post(`Bearer ${SECRET}`)).toBe(202);
    expect(triggers).toEqual(['on-demand']);
  });
});
