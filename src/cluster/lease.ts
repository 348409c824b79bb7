/**
 * A lock across processes: a `coordination.k8s.io/v1` Lease, taken with optimistic
 * concurrency, so a CronJob run, a daemon and overlapping replicas never sync at once.
 *
 * Every write carries the resourceVersion that was read, so of two processes racing for the
 * same Lease exactly one write wins; the loser gets 409 and reports "not acquired". A holder
 * that died is taken over once `renewTime + leaseDurationSeconds` has passed.
 */
import type { KubeConfigLike } from './kube-access.ts';
import { ApiStatusError, createKubeClient, toClusterError, type KubeRequest, type RawBody } from './kube-client.ts';
import { withRetry } from '../core/retry.ts';
import { ClusterError } from '../core/errors.ts';

export interface LeaseLockOptions {
  kc: KubeConfigLike;
  namespace: string;
  name: string;
  /** Who takes the lock: unique per process (e.g. `pod-name` or `host-pid`). */
  holder: string;
  /** How long the lock holds without a renewal. */
  durationSeconds: number;
  /** Deadline of one request, in ms. Default 15000. */
  timeoutMs?: number;
  /** Retries for answers worth retrying (5xx, 429, no answer), never for races (409). Default 2. */
  retries?: number;
  /** The clock; tests move it to expire a Lease. */
  now?: () => Date;
}

/** The outcome of `acquire`: the lock, or who has it and until when. */
export type AcquireResult = { acquired: true } | { acquired: false; holder: string; expiresAt: string };

/** The lock's verbs; each throws ClusterError when the API server cannot be asked. */
export interface LeaseLock {
  /** Takes the lock if it is free, expired or already ours. */
  acquire(): Promise<AcquireResult>;
  /** Extends our hold; false when the lock is no longer ours (taken over, deleted, lost a race). */
  renew(): Promise<boolean>;
  /**
   * Frees the lock if it is ours, so the next run need not wait for expiry; a lost write is
   * re-read and retried (bounded). Throws ClusterError when the Lease stays ours.
   */
  release(): Promise<void>;
}

interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
  [key: string]: unknown;
}

interface LeaseObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    resourceVersion?: string;
    managedFields?: unknown;
    [key: string]: unknown;
  };
  spec?: LeaseSpec;
}

const API_VERSION = 'coordination.k8s.io/v1';
/** Reads-then-writes `release` tries before giving up (each loses only to a concurrent write). */
const RELEASE_ATTEMPTS = 4;

/** Formats a time as a Kubernetes MicroTime (`2026-11-21T12:00:00.000000Z`), the format Lease times need. */
export function formatMicroTime(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/** Creates the lock; no request is made until a verb is called. */
export function createLeaseLock(opts: LeaseLockOptions): LeaseLock {
  const client = createKubeClient(opts.kc);
  const now = opts.now ?? (() => new Date());
  const subject = `Lease/${opts.namespace}/${opts.name}`;
  const header = { apiVersion: API_VERSION, kind: 'Lease', metadata: { name: opts.name, namespace: opts.namespace } };
  const collection = `/apis/${API_VERSION}/namespaces/${encodeURIComponent(opts.namespace)}/leases`;
  const path = `${collection}/${encodeURIComponent(opts.name)}`;

  /** One request; the codes in `expected` (404, 409) come back as values because they decide the outcome. */
  async function send(req: KubeRequest, expected: readonly number[]): Promise<RawBody | number> {
    try {
      return await withRetry((signal) => client.send(signal, req), {
        retries: opts.retries ?? 2,
        baseDelayMs: 200,
        maxDelayMs: 2000,
        timeoutMs: opts.timeoutMs ?? 15_000,
        isTransient: (e) => {
          const mapped = toClusterError(e, subject, client.server);
          return mapped.transient && mapped.code !== 409;
        },
      });
    } catch (err) {
      const mapped = toClusterError(err, subject, client.server);
      if (mapped.cause instanceof ApiStatusError && expected.includes(mapped.code)) return mapped.code;
      throw mapped;
    }
  }

  async function read(): Promise<LeaseObject | undefined> {
    const got = await send({ method: 'GET', path }, [404]);
    return typeof got === 'object' ? (got as unknown as LeaseObject) : undefined;
  }

  /** Writes `spec` over the Lease we read (PUT with its resourceVersion); false when someone else wrote first. */
  async function write(current: LeaseObject, spec: LeaseSpec): Promise<boolean> {
    const { managedFields: _ignored, ...metadata } = current.metadata;
    const body = {
      apiVersion: API_VERSION,
      kind: 'Lease',
      metadata: { ...metadata, name: opts.name, namespace: opts.namespace },
      spec,
    };
    // 409: changed since we read it; 404: deleted since. Either way someone else moved first.
    return typeof (await send({ method: 'PUT', path, body }, [409, 404])) === 'object';
  }

  function ours(lease: LeaseObject): boolean {
    return lease.spec?.holderIdentity === opts.holder;
  }

  function expiresAt(lease: LeaseObject): Date {
    const spec = lease.spec ?? {};
    const since = Date.parse(spec.renewTime ?? spec.acquireTime ?? '');
    const duration = (spec.leaseDurationSeconds ?? opts.durationSeconds) * 1000;
    return new Date((Number.isNaN(since) ? 0 : since) + duration);
  }

  function heldByOther(lease: LeaseObject | undefined): AcquireResult {
    // Lost a race and the Lease vanished before we could look: someone else is mid-change.
    if (!lease) return { acquired: false, holder: 'unknown', expiresAt: now().toISOString() };
    return {
      acquired: false,
      holder: lease.spec?.holderIdentity ?? 'unknown',
      expiresAt: expiresAt(lease).toISOString(),
    };
  }

  return {
    async acquire() {
      const stamp = formatMicroTime(now());
      const current = await read();
      if (!current) {
        const spec: LeaseSpec = {
          holderIdentity: opts.holder,
          leaseDurationSeconds: opts.durationSeconds,
          acquireTime: stamp,
          renewTime: stamp,
          leaseTransitions: 0,
        };
        const created = await send({ method: 'POST', path: collection, body: { ...header, spec } }, [409]);
        // 409 AlreadyExists: another process created it between our read and our create.
        return typeof created === 'object' ? { acquired: true } : heldByOther(await read());
      }
      const spec = current.spec ?? {};
      const free = !spec.holderIdentity || expiresAt(current).getTime() <= now().getTime();
      if (ours(current)) {
        const renewed = await write(current, { ...spec, leaseDurationSeconds: opts.durationSeconds, renewTime: stamp });
        return renewed ? { acquired: true } : heldByOther(await read());
      }
      if (!free) return heldByOther(current);
      const takeover: LeaseSpec = {
        ...spec,
        holderIdentity: opts.holder,
        leaseDurationSeconds: opts.durationSeconds,
        acquireTime: stamp,
        renewTime: stamp,
        leaseTransitions: (spec.leaseTransitions ?? 0) + 1,
      };
      return (await write(current, takeover)) ? { acquired: true } : heldByOther(await read());
    },

    async renew() {
      const current = await read();
      if (!current || !ours(current)) return false;
      return write(current, { ...current.spec, renewTime: formatMicroTime(now()) });
    },

    async release() {
      // A lost write (409: our own renewal landed in between, or a conflict the server made up)
      // leaves the Lease ours until it expires, locking the next runs out: re-read and retry.
      for (let attempt = 1; attempt <= RELEASE_ATTEMPTS; attempt++) {
        const current = await read();
        if (!current || !ours(current)) return;
        const { holderIdentity: _released, ...rest } = current.spec ?? {};
        // Keep the history (leaseTransitions); an empty holder is free for anyone at once.
        if (await write(current, { ...rest, renewTime: formatMicroTime(now()) })) return;
      }
      const message =
        `still held by ${opts.holder} after ${RELEASE_ATTEMPTS} release attempts ` + '(each lost a write conflict)';
      throw new ClusterError(message, { code: 409, subject, transient: false });
    },
  };
}
