/**
 * The daemon's one HTTP listener: webhooks (`/webhook/github|gitlab|gitea`), `POST /sync`
 * (on demand; needs the webhook secret as a bearer token when one is set), `/healthz`,
 * `/readyz` and `/metrics`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from '../log.ts';
import type { Metrics } from './metrics.ts';
import type { Scheduler } from './scheduler.ts';
import { judgeWebhook, safeEqual, type Forge, type WebhookOptions } from './webhook.ts';

export interface HttpOptions {
  host: string;
  port: number;
  scheduler: Scheduler;
  metrics: Metrics;
  logger: Logger;
  webhook: Omit<WebhookOptions, 'seen'>;
  /** Largest accepted webhook body. */
  maxBodyBytes?: number;
}

function send(res: ServerResponse, status: number, body: string, type = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/**
 * The body, or null when it is larger than `max`. An oversize body is drained, not destroyed:
 * breaking out of the stream would tear the socket down under the 413 answer and leave the
 * server with a connection it never forgets (close() would then never finish).
 */
function readBody(req: IncomingMessage, max: number): Promise<Buffer | null> {
  if (Number(req.headers['content-length']) > max) {
    req.resume();
    return Promise.resolve(null);
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) {
        chunks.length = 0;
        resolve(null);
      } else {
        chunks.push(chunk);
      }
    });
    req.on('end', () => resolve(size > max ? null : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export async function startHttp(opts: HttpOptions): Promise<{ server: Server; url: string; close(): Promise<void> }> {
  const seen = new Set<string>();
  const forges: Record<string, Forge> = {
    '/webhook/github': 'github',
    '/webhook/gitlab': 'gitlab',
    '/webhook/gitea': 'gitea',
  };
  const server = createServer((req, res) => {
    void handle(req, res).catch((err: unknown) => {
      opts.logger.error({ err: (err as Error).message, path: req.url }, 'http handler failed');
      if (!res.headersSent) send(res, 500, 'internal error\n');
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0]!;
    if (req.method === 'GET' && path === '/healthz') return send(res, 200, 'ok\n');
    if (req.method === 'GET' && path === '/readyz') {
      const r = opts.scheduler.ready();
      return send(res, r.ready ? 200 : 503, r.why + '\n');
    }
    if (req.method === 'GET' && path === '/metrics')
      return send(res, 200, await opts.metrics.registry.metrics(), opts.metrics.registry.contentType);
    if (req.method === 'POST' && path === '/sync') {
      const secret = opts.webhook.secret;
      const authorized = !secret || safeEqual(req.headers.authorization ?? '', `Bearer ${secret}`);
      if (!authorized) return send(res, 401, 'unauthorized\n');
      opts.scheduler.trigger('on-demand');
      return send(res, 202, 'sync requested\n');
    }
    const forge = forges[path];
    if (forge && req.method === 'POST') {
      const body = await readBody(req, opts.maxBodyBytes ?? 5 * 1024 * 1024);
      if (!body) {
        // Do not keep reading a body we refused: answer, then close this connection.
        res.setHeader('connection', 'close');
        return send(res, 413, 'payload too large\n');
      }
      const verdict = judgeWebhook(forge, req.headers, body, { ...opts.webhook, seen });
      if (verdict.kind === 'rejected') {
        opts.logger.warn({ forge, why: verdict.why, remote: req.socket.remoteAddress }, 'webhook rejected');
        return send(res, verdict.status, verdict.why + '\n');
      }
      if (verdict.kind === 'ignored') {
        opts.logger.info({ forge, why: verdict.why }, 'webhook ignored');
        return send(res, 202, `ignored: ${verdict.why}\n`);
      }
      if (verdict.pullRequest !== undefined)
        opts.logger.info(
          { forge, delivery: verdict.delivery, pullRequest: verdict.pullRequest, commit: verdict.commit },
          'webhook: pull request updated',
        );
      else
        opts.logger.info(
          { forge, delivery: verdict.delivery, commit: verdict.commit },
          'webhook: push to the tracked branch',
        );
      opts.scheduler.trigger(`webhook:${forge}`);
      return send(res, 202, 'sync requested\n');
    }
    return send(res, 404, 'not found\n');
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : opts.port;
  return {
    server,
    url: `http://${opts.host === '0.0.0.0' ? '127.0.0.1' : opts.host}:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
