/**
 * A real git smart-HTTP server for tests and the demo: `git http-backend` run as CGI behind
 * node:http on 127.0.0.1. It speaks exactly what GitHub/GitLab speak on the wire, so the git
 * adapter is tested against git itself rather than a mock. Optional basic auth, a request
 * counter and a `beforeRequest` seam (to land a "human" push at a chosen moment).
 */
import { spawn, execFileSync } from 'node:child_process';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

/** What the server saw, as handed to `beforeRequest`. */
export interface GitRequestInfo {
  method: string;
  /** Path below the server root, e.g. `/demo.git/info/refs`. */
  path: string;
  /** `git-upload-pack` (fetch) or `git-receive-pack` (push), when the request names one. */
  service: 'git-upload-pack' | 'git-receive-pack' | undefined;
  /** True for the ref advertisement (`GET info/refs`), false for the pack exchange (`POST`). */
  advertisement: boolean;
}

export interface GitServerOptions {
  /** Folder holding the bare repositories (`<root>/<name>.git`). */
  root: string;
  /** When set, every request needs these basic-auth credentials (401 otherwise). */
  auth?: { username: string; password: string };
  /** Awaited before a request is handed to git; tests use it to simulate concurrent pushes. */
  beforeRequest?: (info: GitRequestInfo) => void | Promise<void>;
}

export interface GitServer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** Clone URL of `<root>/<name>` (pass `demo.git`, or `demo` and `.git` is added). */
  repoUrl(name: string): string;
  stop(): Promise<void>;
  /** Requests received so far, including rejected ones. */
  readonly requests: number;
  /** Every request received so far, in order (method and path). */
  readonly log: readonly GitRequestInfo[];
}

/** Starts `git http-backend` behind node:http on 127.0.0.1 (random port). */
export async function startGitServer(opts: GitServerOptions): Promise<GitServer> {
  const backend = path.join(execFileSync('git', ['--exec-path'], { encoding: 'utf8' }).trim(), 'git-http-backend');
  const log: GitRequestInfo[] = [];

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const serviceParam = url.searchParams.get('service') ?? url.pathname.split('/').pop();
    const info: GitRequestInfo = {
      method: req.method ?? 'GET',
      path: url.pathname,
      service: serviceParam === 'git-upload-pack' || serviceParam === 'git-receive-pack' ? serviceParam : undefined,
      advertisement: url.pathname.endsWith('/info/refs'),
    };
    log.push(info);
    if (opts.auth && !authorized(req, opts.auth)) {
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="git"', 'Content-Type': 'text/plain' });
      res.end('authentication required\n');
      return;
    }
    Promise.resolve(opts.beforeRequest?.(info))
      .then(() => runBackend(backend, opts, req, res, url, opts.auth?.username))
      .catch((err: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain' });
        res.end(`test git server: ${err instanceof Error ? err.message : String(err)}\n`);
      });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: base,
    repoUrl: (name) => `${base}/${name.endsWith('.git') ? name : `${name}.git`}`,
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
    get requests() {
      return log.length;
    },
    log,
  };
}

function authorized(req: IncomingMessage, auth: { username: string; password: string }): boolean {
  const header = req.headers.authorization ?? '';
  if (!header.startsWith('Basic ')) return false;
  const decoded = Buffer.from(header.slice('Basic '.length), 'base64').toString('utf8');
  return decoded === `${auth.username}:${auth.password}`;
}

/** Runs one CGI request: request body to stdin, CGI headers + body from stdout. */
function runBackend(
  backend: string,
  opts: GitServerOptions,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  user: string | undefined,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      GIT_PROJECT_ROOT: opts.root,
      GIT_HTTP_EXPORT_ALL: '1',
      REQUEST_METHOD: req.method ?? 'GET',
      PATH_INFO: decodeURIComponent(url.pathname),
      QUERY_STRING: url.search.replace(/^\?/, ''),
      CONTENT_TYPE: req.headers['content-type'] ?? '',
      REMOTE_ADDR: req.socket.remoteAddress ?? '127.0.0.1',
    };
    if (req.headers['content-length']) env.CONTENT_LENGTH = req.headers['content-length'];
    if (req.headers['content-encoding']) env.HTTP_CONTENT_ENCODING = req.headers['content-encoding'];
    if (req.headers['git-protocol']) env.HTTP_GIT_PROTOCOL = String(req.headers['git-protocol']);
    if (user) env.REMOTE_USER = user;

    const child = spawn(backend, [], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.stdin.on('error', () => {
      /* the backend may exit before reading everything (e.g. on a bad request) */
    });
    req.pipe(child.stdin);

    let head = Buffer.alloc(0);
    let headersDone = false;
    child.stdout.on('data', (chunk: Buffer) => {
      if (headersDone) {
        res.write(chunk);
        return;
      }
      head = Buffer.concat([head, chunk]);
      const end = findHeaderEnd(head);
      if (!end) return;
      headersDone = true;
      const { status, headers } = parseCgiHeaders(head.subarray(0, end.at).toString('latin1'));
      res.writeHead(status, headers);
      res.write(head.subarray(end.at + end.length));
    });
    child.on('close', (code) => {
      if (!headersDone) {
        if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain' });
        res.end(`git http-backend exited with ${code}: ${stderr}\n`);
      } else {
        res.end();
      }
      resolve();
    });
  });
}

function findHeaderEnd(buf: Buffer): { at: number; length: number } | undefined {
  const crlf = buf.indexOf('\r\n\r\n');
  const lf = buf.indexOf('\n\n');
  if (crlf >= 0 && (lf < 0 || crlf < lf)) return { at: crlf, length: 4 };
  if (lf >= 0) return { at: lf, length: 2 };
  return undefined;
}

function parseCgiHeaders(text: string): { status: number; headers: Record<string, string> } {
  let status = 200;
  const headers: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10) || 500;
    else headers[name] = value;
  }
  return { status, headers };
}
