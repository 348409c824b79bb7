/**
 * Serves `/openapi/v3` and `/openapi/v3/<group-version>` the way kube-openapi's handler3 does
 * (pkg/handler3/handler.go, HandleDiscovery and HandleGroupVersion): an ETag that is the
 * document's SHA-512, `?hash=` URLs that are cached for good when the hash is current and
 * redirected (301) to the current one when it is not, and conditional GETs answered 304 as
 * net/http's ServeContent does. Only JSON is served: a client that accepts nothing but the
 * protobuf form gets 406 (the apiserver would send protobuf).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { openApiHash, openApiV3Bytes, openApiV3Index } from './openapi.ts';
import type { ResourceRegistry } from './resources.ts';
import { pathNotFound } from './status.ts';

/** True for the paths this handler answers. */
export function isOpenApiV3Path(pathname: string): boolean {
  return pathname === '/openapi/v3' || pathname.startsWith('/openapi/v3/');
}

/** Go's time.RFC1123 of a UTC time (`Mon, 02 Jan 2006 15:04:05 UTC`), as handler3 writes Expires. */
function rfc1123(d: Date): string {
  return d.toUTCString().replace(/GMT$/, 'UTC');
}

/** Whether the Accept header lets the JSON form through (goautoneg clauses, q=0 excluded). */
function acceptsJson(accept: string | undefined): boolean {
  if (!accept || accept.trim() === '') return true;
  return accept.split(',').some((clause) => {
    const [range = '', ...params] = clause
      .trim()
      .split(';')
      .map((x) => x.trim());
    const q = params.find((p) => p.startsWith('q='));
    if (q !== undefined && Number(q.slice(2)) === 0) return false;
    return range === '*/*' || range === 'application/*' || range === 'application/json';
  });
}

/** ServeContent's precondition checks: If-None-Match (weak comparison), else If-Modified-Since. */
function notModified(req: IncomingMessage, etag: string, lastModified: Date): boolean {
  const inm = req.headers['if-none-match'];
  if (inm !== undefined) {
    const strip = (t: string): string => t.trim().replace(/^W\//, '');
    return inm.split(',').some((t) => t.trim() === '*' || strip(t) === strip(etag));
  }
  const ims = req.headers['if-modified-since'];
  if (ims === undefined) return false;
  const since = Date.parse(ims);
  return !Number.isNaN(since) && Math.floor(lastModified.getTime() / 1000) * 1000 <= since;
}

/** ServeContent: 304 when the client has it, else 200 with the bytes (no body for HEAD). */
function serveContent(req: IncomingMessage, res: ServerResponse, bytes: Buffer, etag: string, modified: Date): void {
  res.setHeader('Etag', etag);
  if (notModified(req, etag, modified)) {
    res.removeHeader('Content-Type');
    res.writeHead(304);
    res.end();
    return;
  }
  res.setHeader('Last-Modified', modified.toUTCString());
  res.setHeader('Content-Length', String(bytes.length));
  res.writeHead(200);
  res.end(req.method === 'HEAD' ? undefined : bytes);
}

/** Answers one GET/HEAD of the OpenAPI v3 index or a group/version document. */
export function serveOpenApiV3(registry: ResourceRegistry, req: IncomingMessage, res: ServerResponse, url: URL): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') throw pathNotFound();
  if (url.pathname === '/openapi/v3') {
    const bytes = Buffer.from(JSON.stringify(openApiV3Index(registry)), 'utf8');
    res.setHeader('Content-Type', 'application/json');
    // HandleDiscovery passes time.Now() as the modification time.
    serveContent(req, res, bytes, JSON.stringify(openApiHash(bytes)), new Date());
    return;
  }
  const gv = url.pathname.slice('/openapi/v3/'.length);
  const doc = openApiV3Bytes(registry, gv);
  if (!doc) throw pathNotFound();
  res.setHeader('Vary', 'Accept');
  if (!acceptsJson(req.headers.accept)) {
    res.writeHead(406);
    res.end();
    return;
  }
  res.setHeader('Content-Type', 'application/json');
  res.setHeader('Etag', JSON.stringify(doc.hash));
  const hash = url.searchParams.get('hash');
  if (hash) {
    if (hash !== doc.hash) {
      // http.Redirect after Content-Type was set: Location only, no HTML body.
      res.writeHead(301, { Location: `/openapi/v3/${gv}?hash=${doc.hash}`, 'Content-Length': '0' });
      res.end();
      return;
    }
    res.setHeader('Cache-Control', 'public, immutable');
    const expires = new Date();
    expires.setUTCFullYear(expires.getUTCFullYear() + 1);
    res.setHeader('Expires', rfc1123(expires));
  }
  serveContent(req, res, doc.bytes, JSON.stringify(doc.hash), doc.lastModified);
}
