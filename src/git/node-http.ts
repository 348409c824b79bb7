/**
 * isomorphic-git's HTTP client over node:http(s). The client it ships for Node needs an extra
 * package and its web client runs on `fetch`, whose engine (undici, ~25 ms to load) a CronJob
 * run would pay for a single ref advertisement; the cluster client already has node:http(s)
 * loaded. Connections are kept alive for the few requests of one run (advertisement, then
 * upload-pack or receive-pack).
 *
 * Redirects are followed like a browser's fetch does for a git server that moved a repository:
 * at most five, GET stays GET, a POST is sent again only on 307/308 (which keep the method and
 * body), and the Authorization header never goes to another origin.
 */
import type { IncomingMessage } from 'node:http';
import type { GitHttpRequest, GitHttpResponse, HttpClient } from 'isomorphic-git';
import { nodeHttpModules } from '../core/node-http-modules.ts';

const node = nodeHttpModules();

const MAX_REDIRECTS = 5;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

type Agent = InstanceType<typeof import('node:http').Agent>;
const agents: { http?: Agent; https?: Agent } = {};

function agentFor(url: URL): Agent {
  if (url.protocol === 'http:') {
    agents.http ??= new node.http.Agent({ keepAlive: true });
    return agents.http;
  }
  agents.https ??= new node.https.Agent({ keepAlive: true });
  return agents.https;
}

async function collect(body: GitHttpRequest['body']): Promise<Buffer | undefined> {
  if (!body) return undefined;
  const chunks: Uint8Array[] = [];
  for await (const chunk of body as AsyncIterable<Uint8Array>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

function send(
  url: URL,
  method: string,
  headers: Record<string, string>,
  body: Buffer | undefined,
  signal: AbortSignal | undefined,
): Promise<IncomingMessage> {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return Promise.reject(new Error(`unsupported protocol ${url.protocol} in a git URL`));
  }
  const request = url.protocol === 'http:' ? node.http.request : node.https.request;
  const sized = body ? { ...headers, 'Content-Length': String(body.length) } : headers;
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers: sized, agent: agentFor(url), ...(signal ? { signal } : {}) }, resolve);
    req.on('error', reject);
    req.end(body);
  });
}

function flatHeaders(res: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(res.headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

async function request(req: GitHttpRequest): Promise<GitHttpResponse> {
  let method = (req.method ?? 'GET').toUpperCase();
  let headers = { ...req.headers };
  let body = await collect(req.body);
  let url = new URL(req.url);
  for (let hop = 0; ; hop++) {
    const res = await send(url, method, headers, body, req.signal);
    const status = res.statusCode ?? 0;
    const location = res.headers.location;
    if (!REDIRECTS.has(status) || !location || hop === MAX_REDIRECTS) {
      return {
        url: url.toString(),
        method,
        statusCode: status,
        statusMessage: res.statusMessage ?? '',
        headers: flatHeaders(res),
        body: res[Symbol.asyncIterator]() as AsyncIterableIterator<Uint8Array>,
      };
    }
    res.resume();
    const next = new URL(location, url);
    if (method !== 'GET' && method !== 'HEAD' && status !== 307 && status !== 308) {
      method = 'GET';
      body = undefined;
    }
    if (next.origin !== url.origin) {
      headers = Object.fromEntries(Object.entries(headers).filter(([name]) => name.toLowerCase() !== 'authorization'));
    }
    url = next;
  }
}

export const nodeHttp: HttpClient = { request };
