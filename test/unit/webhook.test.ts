/**
 * judgeWebhook: what a push webhook from GitHub, GitLab or Gitea means for the daemon, with
 * payloads shaped like the forges send them.
 */
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { judgeWebhook, type Forge, type WebhookOptions } from '../../src/server/webhook.ts';

const SECRET = 'hook-secret-123';
const OWN = 'modsync@example.invalid';

function options(over: Partial<WebhookOptions> = {}): WebhookOptions {
  return { secret: SECRET, branch: 'main', ownEmail: OWN, seen: new Set(), ...over };
}

interface PushOpts {
  ref?: string;
  delivery?: string;
  emails?: string[];
  event?: string;
  secret?: string;
}

/** A push request as the forge would sign and send it. */
function push(forge: Forge, o: PushOpts = {}): { headers: Record<string, string>; body: Buffer } {
  const payload = {
    ref: o.ref ?? 'refs/heads/main',
    before: '0'.repeat(40),
    after: 'a'.repeat(40),
    ...(forge === 'gitlab' ? { checkout_sha: 'a'.repeat(40) } : {}),
    commits: (o.emails ?? ['dev@example.invalid']).map((email, i) => ({
      id: String(i).repeat(40),
      message: 'change',
      author: { name: 'x', email },
    })),
  };
  const body = Buffer.from(JSON.stringify(payload));
  const secret = o.secret ?? SECRET;
  const sig = createHmac('sha256', secret).update(body).digest('hex');
  const delivery = o.delivery ?? `d-${Math.random()}`;
  if (forge === 'github')
    return {
      body,
      headers: {
        'x-github-event': o.event ?? 'push',
        'x-github-delivery': delivery,
        'x-hub-signature-256': `sha256=${sig}`,
      },
    };
  if (forge === 'gitea')
    return {
      body,
      headers: { 'x-gitea-event': o.event ?? 'push', 'x-gitea-delivery': delivery, 'x-gitea-signature': sig },
    };
  return {
    body,
    headers: { 'x-gitlab-event': o.event ?? 'Push Hook', 'x-gitlab-event-uuid': delivery, 'x-gitlab-token': secret },
  };
}

const FORGES: Forge[] = ['github', 'gitlab', 'gitea'];

describe.each(FORGES)('%s push webhooks', (forge) => {
  it('a signed push to the tracked branch asks for a sync of its commit', () => {
    const { headers, body } = push(forge, { delivery: 'd1' });
    expect(judgeWebhook(forge, headers, body, options())).toEqual({
      kind: 'sync',
      delivery: 'd1',
      commit: 'a'.repeat(40),
    });
  });

  it('a wrong signature is rejected with 401', () => {
    const { headers, body } = push(forge, { secret: 'another-secret' });
    expect(judgeWebhook(forge, headers, body, options())).toEqual({
      kind: 'rejected',
      status: 401,
      why: 'bad signature',
    });
  });

  it('a request without a signature is rejected', () => {
    const { body } = push(forge);
    expect(judgeWebhook(forge, {}, body, options())).toMatchObject({ kind: 'rejected', status: 401 });
  });

  it('a push to another branch is ignored', () => {
    const { headers, body } = push(forge, { ref: 'refs/heads/feature' });
    expect(judgeWebhook(forge, headers, body, options())).toEqual({
      kind: 'ignored',
      why: 'push to refs/heads/feature, not to main',
    });
  });

  it('a tag push is ignored', () => {
    const { headers, body } = push(forge, { ref: 'refs/tags/main' });
    expect(judgeWebhook(forge, headers, body, options()).kind).toBe('ignored');
  });

  it('the same delivery a second time is ignored as a replay', () => {
    const opts = options();
    const { headers, body } = push(forge, { delivery: 'same' });
    expect(judgeWebhook(forge, headers, body, opts).kind).toBe('sync');
    expect(judgeWebhook(forge, headers, body, opts)).toEqual({
      kind: 'ignored',
      why: 'delivery same was already handled',
    });
    expect(
      judgeWebhook(forge, push(forge, { delivery: 'other' }).headers, push(forge, { delivery: 'other' }).body, opts)
        .kind,
    ).toBe('sync');
  });

  it("a push of modsync's own commits only is ignored; one human commit among them syncs", () => {
    const own = push(forge, { emails: [OWN, OWN] });
    expect(judgeWebhook(forge, own.headers, own.body, options())).toEqual({
      kind: 'ignored',
      why: "modsync's own commits",
    });
    const mixed = push(forge, { emails: [OWN, 'dev@example.invalid'] });
    expect(judgeWebhook(forge, mixed.headers, mixed.body, options()).kind).toBe('sync');
  });

  it('is rejected when no secret is configured, whatever the request says', () => {
    const { headers, body } = push(forge, { secret: '' });
    expect(judgeWebhook(forge, headers, body, options({ secret: '' }))).toMatchObject({
      kind: 'rejected',
      status: 401,
    });
  });
});

describe('other events', () => {
  // GitLab sends a token rather than a signature of the body, so this holds for the HMAC forges.
  it.each(['github', 'gitea'] as const)('a %s body changed after signing is rejected', (forge) => {
    const { headers, body } = push(forge);
    const tampered = Buffer.from(body.toString().replace('refs/heads/main', 'refs/heads/mainx'));
    expect(judgeWebhook(forge, headers, tampered, options())).toMatchObject({ kind: 'rejected', status: 401 });
  });

  it('a GitHub ping is ignored', () => {
    const { headers, body } = push('github', { event: 'ping' });
    expect(judgeWebhook('github', headers, body, options())).toEqual({ kind: 'ignored', why: 'ping' });
  });

  it('a signed non-push event is ignored', () => {
    const { headers, body } = push('gitea', { event: 'issues' });
    expect(judgeWebhook('gitea', headers, body, options())).toEqual({
      kind: 'ignored',
      why: 'event issues is not a push',
    });
    const gl = push('gitlab', { event: 'Merge Request Hook' });
    expect(judgeWebhook('gitlab', gl.headers, gl.body, options()).kind).toBe('ignored');
  });

  it('a signed body that is not JSON is a 400', () => {
    const body = Buffer.from('not json');
    const sig = createHmac('sha256', SECRET).update(body).digest('hex');
    expect(
      judgeWebhook('github', { 'x-github-event': 'push', 'x-hub-signature-256': `sha256=${sig}` }, body, options()),
    ).toMatchObject({ kind: 'rejected', status: 400 });
  });

  it('remembers a bounded number of deliveries, forgetting the oldest first', () => {
    const opts = options({ maxSeen: 2 });
    for (const d of ['d1', 'd2', 'd3'])
      judgeWebhook('github', push('github', { delivery: d }).headers, push('github', { delivery: d }).body, opts);
    expect([...opts.seen]).toEqual(['d2', 'd3']);
  });
});
