/**
 * HTTP plumbing for the API handlers: URL parsing into API targets, body reading/decoding,
 * and JSON/Status responses with `Warning` headers.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseYaml } from 'yaml';
import { ApiError, badRequest, type StatusBody } from './status.ts';

/** A parsed API path. */
export type ApiPath =
  | { type: 'discovery'; path: string }
  | { type: 'resource'; group: string; version: string; plural: string; namespace?: string; name?: string; subresource?: string }
  | { type: 'unknown' };

/** Splits `/apis/g/v/namespaces/ns/plural/name/status` (and the core `/api/v1/...` forms) into parts. */
export function parseApiPath(pathname: string): ApiPath {
  const parts = pathname.split('/').filter((p) => p !== '').map(decodeURIComponent);
  if (parts.length === 0) return { type: 'unknown' };
  if (parts[0] === 'version' || parts[0] === 'openapi' || parts[0] === 'healthz' || parts[0] === 'readyz' || parts[0] === 'livez') {
    return { type: 'discovery', path: pathname };
  }
  let group: string;
  let version: string;
  let rest: string[];
  if (parts[0] === 'api') {
    if (parts.length <= 2) return { type: 'discovery', path: pathname };
    group = '';
    version = parts[1]!;
    rest = parts.slice(2);
  } else if (parts[0] === 'apis') {
    if (parts.length <= 3) return { type: 'discovery', path: pathname };
    group = parts[1]!;
    version = parts[2]!;
    rest = parts.slice(3);
  } else {
    return { type: 'unknown' };
  }
  // `namespaces/<ns>/<plural>/...` addresses a namespaced resource, except the Namespace itself.
  if (rest[0] === 'namespaces' && rest.length >= 3 && !(group === '' && rest.length === 3 && rest[2] === 'status')) {
    const [, namespace, plural, name, subresource] = rest;
    return clean({ type: 'resource', group, version, plural: plural!, namespace, name, subresource });
  }
  const [plural, name, subresource] = rest;
  return clean({ type: 'resource', group, version, plural: plural!, name, subresource });
}

function clean(p: Extract<ApiPath, { type: 'resource' }>): ApiPath {
  const out: Extract<ApiPath, { type: 'resource' }> = { type: 'resource', group: p.group, version: p.version, plural: p.plural };
  if (p.namespace !== undefined) out.namespace = p.namespace;
  if (p.name !== undefined) out.name = p.name;
  if (p.subresource !== undefined) out.subresource = p.subresource;
  return out;
}

/** Reads the whole request body as text. */
export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Decodes a JSON body (or YAML where `yaml` is true), failing like the apiserver's decoder. */
export function decodeBody(text: string, yaml = false): unknown {
  try {
    return yaml ? parseYaml(text) : JSON.parse(text);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    throw badRequest(yaml ? `error decoding YAML: ${msg}` : `couldn't get version/kind; json parse error: ${msg}`);
  }
}

/** The media type of a request, without parameters. */
export function mediaType(req: IncomingMessage): string {
  return (req.headers['content-type'] ?? 'application/json').split(';')[0]!.trim().toLowerCase();
}

/** Sends a JSON object with Warning headers (`299 - "text"`, as the apiserver formats them). */
export function sendJson(res: ServerResponse, code: number, body: unknown, warnings: string[] = []): void {
  const text = JSON.stringify(body);
  const headers: Record<string, string | string[]> = { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(text)) };
  if (warnings.length > 0) headers.Warning = warnings.map(warningHeader);
  res.writeHead(code, headers);
  res.end(text);
}

/** One `Warning` header value in RFC 7234 form with the apiserver's agent `-`. */
export function warningHeader(text: string): string {
  return `299 - ${JSON.stringify(text)}`;
}

/** Sends an error as a Status body. */
export function sendError(res: ServerResponse, err: unknown): void {
  const apiErr = err instanceof ApiError ? err : null;
  const status: StatusBody = apiErr
    ? apiErr.status
    : { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: `Internal error occurred: ${err instanceof Error ? err.message : String(err)}`, reason: 'InternalError', code: 500 };
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const text = JSON.stringify(status);
  res.writeHead(status.code, { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(text)), ...(apiErr?.headers ?? {}) });
  res.end(text);
}

/** Query parameter helpers. */
export function boolParam(q: URLSearchParams, name: string): boolean {
  const v = q.get(name);
  return v === 'true' || v === '1';
}
