/**
 * judgeWebhook on pull request events (GitHub `pull_request`, Gitea `pull_request`, GitLab
 * `Merge Request Hook`), with payloads shaped like the forges send them: with a forge
 * configured, a pull request into the tracked branch that is opened, reopened or gets new
 * commits asks for a sync (after which the daemon refreshes plan previews).
 */
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { judgeWebhook, type Forge, type WebhookOptions } from '../../src/server/webhook.ts';

const SECRET = 'hook-secret-456';
const SHA = 'b'.repeat(40);

function options(over: Partial<WebhookOptions> = {}): WebhookOptions {
  return {
    secret: SECRET,
    branch: 'main',
    ownEmail: 'modsync@example.invalid',
    seen: new Set(),
    pullRequests: true,
    ...over,
  };
}

interface PullOpts {
  /** The forge's own action word; defaults to "new commits" in that forge's words. */
  action?: string;
  base?: string;
  head?: string;
  delivery?: string;
  /** GitLab: `oldrev` is present only when the update pushed commits. */
  oldrev?: string | null;
}

/** A signed pull request event as the forge would send it. */
function pullEvent(forge: Forge, o: PullOpts = {}): { headers: Record<string, string>; body: Buffer } {
  const base = o.base ?? 'main';
  const head = o.head ?? 'feature/scale';
  const delivery = o.delivery ?? `d-${Math.random()}`;
  if (forge === 'gitlab') {
    const payload = {
      object_kind: 'merge_request',
      event_type: 'merge_request',
      project: { path_with_namespace: 'acme/fleet' },
      object_attributes: {
        iid: 12,
        action: o.action ?? 'update',
        source_branch: head,
        target_branch: base,
        state: 'opened',
        last_commit: { id: SHA },
        ...(o.oldrev === null ? {} : { oldrev: o.oldrev ?? 'a'.repeat(40) }),
      },
    };
    return {
      body: Buffer.from(JSON.stringify(payload)),
      headers: { 'x-gitlab-event': 'Merge Request Hook', 'x-gitlab-event-uuid': delivery, 'x-gitlab-token': SECRET },
    };
  }
  const payload = {
    action: o.action ?? (forge === 'github' ? 'synchronize' : 'synchronized'),
    number: 12,
    pull_request: { number: 12, state: 'open', base: { ref: base }, head: { ref: head, sha: SHA } },
    repository: { full_name: 'acme/fleet' },
  };
  const body = Buffer.from(JSON.stringify(payload));
  const sig = createHmac('sha256', SECRET).update(body).digest('hex');
  if (forge === 'github')
    return {
      body,
      headers: {
        'x-github-event': 'pull_request',
        'x-github-delivery': delivery,
        'x-hub-signature-256': `sha256=${sig}`,
      },
    };
  return { body, headers: { 'x-gitea-event': 'pull_request', 'x-gitea-delivery': delivery, 'x-gitea-signature': sig } };
}

const FORGES: Forge[] = ['github', 'gitlab', 'gitea'];
const OPENED: Record<Forge, string> = { github: 'opened', gitlab: 'open', gitea: 'opened' };

describe.each(FORGES)('%s pull request webhooks', (forge) => {
  it('new commits on a pull request into the tracked branch ask for a sync, naming the pull request', () => {
    const { headers, body } = pullEvent(forge, { delivery: 'p1' });
    expect(judgeWebhook(forge, headers, body, options())).toEqual({
      kind: 'sync',
      delivery: 'p1',
      pullRequest: 12,
      commit: SHA,
    });
  });

  it('an opened pull request asks for a sync', () => {
    const { headers, body } = pullEvent(forge, { action: OPENED[forge] });
    expect(judgeWebhook(forge, headers, body, options())).toMatchObject({ kind: 'sync', pullRequest: 12 });
  });

  it('is ignored without a forge configured (no previews to refresh)', () => {
    const { headers, body } = pullEvent(forge);
    expect(judgeWebhook(forge, headers, body, options({ pullRequests: false })).kind).toBe('ignored');
  });

  it('a pull request into another branch is ignored', () => {
    const { headers, body } = pullEvent(forge, { base: 'release' });
    expect(judgeWebhook(forge, headers, body, options())).toEqual({
      kind: 'ignored',
      why: 'pull request into release, not into main',
    });
  });

  it("modsync's own approval pull requests are ignored", () => {
    const { headers, body } = pullEvent(forge, { head: 'modsync/approve/module-two', action: OPENED[forge] });
    expect(judgeWebhook(forge, headers, body, options()).kind).toBe('ignored');
  });

  it('a replayed delivery is ignored', () => {
    const opts = options();
    const { headers, body } = pullEvent(forge, { delivery: 'p2' });
    expect(judgeWebhook(forge, headers, body, opts).kind).toBe('sync');
    expect(judgeWebhook(forge, headers, body, opts)).toEqual({
      kind: 'ignored',
      why: 'delivery p2 was already handled',
    });
  });

  it('an event signed with another secret is rejected before anything is read', () => {
    const { headers, body } = pullEvent(forge);
    expect(judgeWebhook(forge, headers, body, options({ secret: 'another-secret' }))).toMatchObject({
      kind: 'rejected',
      status: 401,
    });
  });
});

describe('pull request events that cannot change the plan', () => {
  it('GitHub and Gitea: a closed or relabelled pull request is ignored', () => {
    for (const forge of ['github', 'gitea'] as const) {
      for (const action of ['closed', 'labeled', 'edited']) {
        const { headers, body } = pullEvent(forge, { action });
        expect(judgeWebhook(forge, headers, body, options())).toEqual({
          kind: 'ignored',
          why: `pull request ${action}: no new commits`,
        });
      }
    }
  });

  it('GitLab: an update without new commits (title, labels) or a merge is ignored', () => {
    const edit = pullEvent('gitlab', { action: 'update', oldrev: null });
    expect(judgeWebhook('gitlab', edit.headers, edit.body, options())).toEqual({
      kind: 'ignored',
      why: 'pull request update: no new commits',
    });
    const merged = pullEvent('gitlab', { action: 'merge', oldrev: null });
    expect(judgeWebhook('gitlab', merged.headers, merged.body, options()).kind).toBe('ignored');
  });
});
