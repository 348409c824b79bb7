/**
 * The git HTTP client over node:http: what a git server that moved a repository (a redirect)
 * or answers slowly does to a fetch. Real servers on 127.0.0.1.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { nodeHttp } from '../../src/git/node-http.ts';

interface Seen {
  method: string;
  url: string;
  authorization: string | undefined;
  body: string;
}

const servers: Server[] = [];

async function serve(handler: (req: IncomingMessage, res: ServerResponse, body: string) => void) {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', authorization: req.headers.authorization, body });
      handler(req, res, body);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { seen, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

async function text(body: AsyncIterableIterator<Uint8Array> | undefined): Promise<string> {
  let out = '';
  for await (const chunk of body ?? []) out += Buffer.from(chunk).toString();
  return out;
}

async function* once(text: string): AsyncIterableIterator<Uint8Array> {
  yield Buffer.from(text);
}

afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
  }
});

describe('git over node:http', () => {
  it('follows a moved repository and reports the final URL', async () => {
    const { seen, base } = await serve((req, res) => {
      if (req.url?.startsWith('/old.git')) {
        res.writeHead(301, { Location: req.url.replace('/old.git', '/new.git') }).end();
      } else res.writeHead(200, { 'Content-Type': 'text/plain' }).end('refs');
    });
    const res = await nodeHttp.request({ url: `${base}/old.git/info/refs?service=git-upload-pack`, headers: {} });
    expect(res.statusCode).toBe(200);
    expect(res.url).toBe(`${base}/new.git/info/refs?service=git-upload-pack`);
    expect(res.headers?.['content-type']).toBe('text/plain');
    expect(await text(res.body)).toBe('refs');
    expect(seen.map((s) => s.url)).toEqual([
      '/old.git/info/refs?service=git-upload-pack',
      '/new.git/info/refs?service=git-upload-pack',
    ]);
  });

  it('sends the token to the same origin only', async () => {
    const other = await serve((_req, res) => res.writeHead(200).end('elsewhere'));
    const first = await serve((req, res) => {
      if (req.url === '/here') res.writeHead(302, { Location: '/there' }).end();
      else res.writeHead(302, { Location: `${other.base}/repo.git` }).end();
    });
    const res = await nodeHttp.request({ url: `${first.base}/here`, headers: { Authorization: 'Basic c2VjcmV0' } });
    expect(await text(res.body)).toBe('elsewhere');
    expect(first.seen.map((s) => s.authorization)).toEqual(['Basic c2VjcmV0', 'Basic c2VjcmV0']);
    expect(other.seen.map((s) => s.authorization)).toEqual([undefined]);
  });

  it('sends a POST body again on 307 and turns a POST into a GET on 302', async () => {
    const { seen, base } = await serve((req, res) => {
      if (req.url === '/keep') res.writeHead(307, { Location: '/kept' }).end();
      else if (req.url === '/drop') res.writeHead(302, { Location: '/dropped' }).end();
      else res.writeHead(200).end('ok');
    });
    await text((await nodeHttp.request({ url: `${base}/keep`, method: 'POST', body: once('want abc') })).body);
    await text((await nodeHttp.request({ url: `${base}/drop`, method: 'POST', body: once('want abc') })).body);
    expect(seen.map((s) => [s.method, s.url, s.body])).toEqual([
      ['POST', '/keep', 'want abc'],
      ['POST', '/kept', 'want abc'],
      ['POST', '/drop', 'want abc'],
      ['GET', '/dropped', ''],
    ]);
  });

  it('stops after five redirects and hands the last answer to isomorphic-git', async () => {
    const { seen, base } = await serve((req, res) => res.writeHead(302, { Location: `${req.url}x` }).end());
    const res = await nodeHttp.request({ url: `${base}/a`, headers: {} });
    expect(res.statusCode).toBe(302);
    expect(seen).toHaveLength(6);
  });

  it('gives up when the signal aborts a request the server never answers', async () => {
    const { base } = await serve(() => undefined);
    const controller = new AbortController();
    const pending = nodeHttp.request({ url: `${base}/slow`, signal: controller.signal });
    setTimeout(() => controller.abort(new Error('deadline')), 50);
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
  });
});
