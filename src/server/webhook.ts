/**
 * Push webhooks from GitHub (`X-Hub-Signature-256` HMAC), GitLab (`X-Gitlab-Token`) and Gitea
 * (`X-Gitea-Signature` HMAC). A verified push to the tracked branch asks for a sync; pushes to
 * other branches, modsync's own commits and replayed deliveries are acknowledged and ignored.
 * Verification is constant-time and never logs the payload.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export type Forge = 'github' | 'gitlab' | 'gitea';

export type WebhookVerdict =
  | { kind: 'sync'; delivery: string; commit?: string }
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
}

type Headers = Record<string, string | string[] | undefined>;

function header(h: Headers, name: string): string {
  const v = h[name.toLowerCase()];
  return Array.isArray(v) ? (v[0] ?? '') : (v ?? '');
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
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
  if (event !== 'push') return { kind: 'ignored', why: `event ${event || '(none)'} is not a push` };
  let payload: PushPayload;
  try {
    payload = JSON.parse(body.toString('utf8')) as PushPayload;
  } catch {
    return { kind: 'rejected', status: 400, why: 'payload is not JSON' };
  }
  if (payload.ref !== `refs/heads/${opts.branch}`) return { kind: 'ignored', why: `push to ${payload.ref ?? '(no ref)'}, not to ${opts.branch}` };
  const delivery = deliveryOf(forge, headers);
  if (delivery && opts.seen.has(delivery)) return { kind: 'ignored', why: `delivery ${delivery} was already handled` };
  if (delivery) {
    opts.seen.add(delivery);
    const max = opts.maxSeen ?? 1000;
    while (opts.seen.size > max) opts.seen.delete(opts.seen.values().next().value as string);
  }
  const commits = payload.commits ?? [];
  if (commits.length && commits.every((c) => c.author?.email === opts.ownEmail)) return { kind: 'ignored', why: "modsync's own commits" };
  return { kind: 'sync', delivery, commit: payload.after ?? payload.checkout_sha };
}
