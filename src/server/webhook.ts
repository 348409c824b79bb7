/**
 * Push webhooks from GitHub (`X-Hub-Signature-256` HMAC), GitLab (`X-Gitlab-Token`) and Gitea
 * (`X-Gitea-Signature` HMAC). A verified push to the tracked branch asks for a sync; pushes to
 * other branches, modsync's own commits and replayed deliveries are acknowledged and ignored.
 * With `pullRequests` on (a forge is configured), a pull request into the tracked branch that
 * is opened, reopened or gets new commits asks for a sync too: the daemon refreshes plan
 * previews after every sync, so the reviewer sees the new plan without waiting for the schedule.
 * Verification is constant-time and never logs the payload.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { payloadProblem } from './webhook-payload.ts';

export type Forge = 'github' | 'gitlab' | 'gitea';

export type WebhookVerdict =
  | {
      kind: 'sync';
      delivery: string;
      commit?: string /** Set when a pull request event asked for it. */;
      pullRequest?: number;
    }
  | { kind: 'ignored'; why: string }
  | { kind: 'rejected'; status: 400 | 401; why: string };

export interface WebhookOptions {
  secret: string;
  branch: string;
  /** Commits by this author email are modsync's own (status reports): they trigger nothing. */
  ownEmail: string;
  /** Delivery ids seen recently (replay protection); bounded. */
  seen: Set<string>;
  maxSeen?: number;
  /** Pull request events (opened, reopened, new commits) into the branch ask for a sync. */
  pullRequests?: boolean;
}

type Headers = Record<string, string | string[] | undefined>;

function header(h: Headers, name: string): string {
  const v = h[name.toLowerCase()];
  return Array.isArray(v) ? (v[0] ?? '') : (v ?? '');
}

/**
 * Constant-time comparison of a presented secret (signature, token) with the expected one:
 * both are hashed first, so the comparison takes the same time whatever their lengths.
 */
export function safeEqual(a: string, b: string): boolean {
  const x = createHash('sha256').update(a).digest();
  const y = createHash('sha256').update(b).digest();
  return timingSafeEqual(x, y);
}

function hmac(secret: string, body: Buffer): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

function authentic(forge: Forge, h: Headers, body: Buffer, secret: string): boolean {
  switch (forge) {
    case 'github':
      return safeEqual(header(h, 'x-hub-signature-256'), `sha256=${hmac(secret, body)}`);
    case 'gitea':
      return safeEqual(header(h, 'x-gitea-signature'), hmac(secret, body));
    case 'gitlab':
      return safeEqual(header(h, 'x-gitlab-token'), secret);
  }
}

function eventOf(forge: Forge, h: Headers): string {
  if (forge === 'github') return header(h, 'x-github-event');
  if (forge === 'gitea') return header(h, 'x-gitea-event');
  return header(h, 'x-gitlab-event') === 'Push Hook' ? 'push' : header(h, 'x-gitlab-event');
}

function deliveryOf(forge: Forge, h: Headers): string {
  if (forge === 'github') return header(h, 'x-github-delivery');
  if (forge === 'gitea') return header(h, 'x-gitea-delivery');
  return header(h, 'x-gitlab-event-uuid') || header(h, 'idempotency-key');
}

interface PushPayload {
  ref?: string;
  after?: string;
  checkout_sha?: string;
  commits?: { author?: { email?: string } }[];
}

/** Decides what a webhook request means; pure apart from remembering delivery ids. */
export function judgeWebhook(forge: Forge, headers: Headers, body: Buffer, opts: WebhookOptions): WebhookVerdict {
  if (!opts.secret) return { kind: 'rejected', status: 401, why: 'no webhook secret is configured' };
  if (!authentic(forge, headers, body, opts.secret)) return { kind: 'rejected', status: 401, why: 'bad signature' };
  const event = eventOf(forge, headers);
  if (event === 'ping') return { kind: 'ignored', why: 'ping' };
  const pullEvent = opts.pullRequests === true && PULL_EVENTS[forge] === event;
  if (event !== 'push' && !pullEvent) return { kind: 'ignored', why: `event ${event || '(none)'} is not a push` };
  let payload: PushPayload & PullPayload;
  try {
    payload = JSON.parse(body.toString('utf8')) as PushPayload & PullPayload;
  } catch {
    return { kind: 'rejected', status: 400, why: 'payload is not JSON' };
  }
  const unexpected = payloadProblem(forge, pullEvent, payload);
  if (unexpected) return { kind: 'rejected', status: 400, why: `unexpected payload: ${unexpected}` };
  if (pullEvent) {
    const pull = pullOf(forge, payload);
    if (!pull) return { kind: 'ignored', why: 'not a pull request event' };
    if (pull.base !== opts.branch)
      return { kind: 'ignored', why: `pull request into ${pull.base || '(no branch)'}, not into ${opts.branch}` };
    // modsync's own approval pull requests need no plan preview, and their events no sync.
    if (pull.head.startsWith('modsync/approve/'))
      return { kind: 'ignored', why: `pull request from modsync's own branch ${pull.head}` };
    if (!pull.planChanging)
      return { kind: 'ignored', why: `pull request ${pull.action || '(no action)'}: no new commits` };
    const replay = rememberDelivery(forge, headers, opts);
    if (replay) return replay;
    return {
      kind: 'sync',
      delivery: deliveryOf(forge, headers),
      pullRequest: pull.number,
      ...(pull.commit ? { commit: pull.commit } : {}),
    };
  }
  if (payload.ref !== `refs/heads/${opts.branch}`)
    return { kind: 'ignored', why: `push to ${payload.ref ?? '(no ref)'}, not to ${opts.branch}` };
  const delivery = deliveryOf(forge, headers);
  const replay = rememberDelivery(forge, headers, opts);
  if (replay) return replay;
  const commits = payload.commits ?? [];
  if (commits.length && commits.every((c) => c.author?.email === opts.ownEmail))
    return { kind: 'ignored', why: "modsync's own commits" };
  return { kind: 'sync', delivery, commit: payload.after ?? payload.checkout_sha };
}

/** Replay protection: an already seen delivery id is ignored; ids are remembered, bounded. */
function rememberDelivery(forge: Forge, headers: Headers, opts: WebhookOptions): WebhookVerdict | null {
  const delivery = deliveryOf(forge, headers);
  if (!delivery) return null;
  if (opts.seen.has(delivery)) return { kind: 'ignored', why: `delivery ${delivery} was already handled` };
  opts.seen.add(delivery);
  const max = opts.maxSeen ?? 1000;
  while (opts.seen.size > max) opts.seen.delete(opts.seen.values().next().value as string);
  return null;
}

/** The event name of pull request events per forge (GitLab's as its header says it). */
const PULL_EVENTS: Record<Forge, string> = {
  github: 'pull_request',
  gitea: 'pull_request',
  gitlab: 'Merge Request Hook',
};

/** The parts of GitHub/Gitea `pull_request` and GitLab `Merge Request Hook` payloads read here. */
interface PullPayload {
  action?: string;
  number?: number;
  pull_request?: { number?: number; base?: { ref?: string }; head?: { ref?: string; sha?: string } };
  object_attributes?: {
    iid?: number;
    action?: string;
    source_branch?: string;
    target_branch?: string;
    oldrev?: string;
    last_commit?: { id?: string };
  };
}

interface PullEvent {
  number: number;
  base: string;
  head: string;
  action: string;
  /** Opened, reopened, or new commits: what can change the plan. */
  planChanging: boolean;
  commit?: string;
}

/** GitHub says `synchronize` on new commits, Gitea `synchronized`; GitLab `update` with `oldrev`. */
function pullOf(forge: Forge, p: PullPayload): PullEvent | null {
  if (forge === 'gitlab') {
    const a = p.object_attributes;
    if (!a?.iid) return null;
    const action = a.action ?? '';
    const changing = action === 'open' || action === 'reopen' || (action === 'update' && Boolean(a.oldrev));
    return {
      number: a.iid,
      base: a.target_branch ?? '',
      head: a.source_branch ?? '',
      action,
      planChanging: changing,
      commit: a.last_commit?.id,
    };
  }
  const pr = p.pull_request;
  const number = pr?.number ?? p.number;
  if (!pr || !number) return null;
  const action = p.action ?? '';
  return {
    number,
    base: pr.base?.ref ?? '',
    head: pr.head?.ref ?? '',
    action,
    planChanging: ['opened', 'reopened', 'synchronize', 'synchronized'].includes(action),
    commit: pr.head?.sha,
  };
}
