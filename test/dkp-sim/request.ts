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
  | {
      type: 'resource';
      group: string;
      version: string;
      plural: string;
      namespace?: string;
      name?: string;
      subresource?: string;
    }
  | { type: 'unknown' };

/** Splits `/apis/g/v/namespaces/ns/plural/name/status` (and the core `/api/v1/...` forms) into parts. */
export function parseApiPath(pathname: string): ApiPath {
  const parts = pathname
    .split('/')
    .filter((p) => p !== '')
    .map(decodeURIComponent);
  if (parts.length === 0) return { type: 'unknown' };
  if (
    parts[0] === 'version' ||
    parts[0] === 'openapi' ||
    parts[0] === 'healthz' ||
    parts[0] === 'readyz' ||
    parts[0] === 'livez'
  ) {
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
  const out: Extract<ApiPath, { type: 'resource' }> = {
    type: 'resource',
    group: p.group,
    version: p.version,
    plural: p.plural,
  };
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
  const bytes = Buffer.from(JSON.stringify(body), 'utf8');
  const headers: Record<string, string | string[]> = {
    'Content-Type': 'application/json',
    'Content-Length': String(bytes.length),
  };
  const values = warningHeaders(warnings);
  if (values.length > 0) headers.Warning = values;
  res.writeHead(code, headers);
  // A Buffer body, not a string: Node sends a string body together with the headers in the
  // body's encoding (UTF-8), which would encode the warnings' Latin-1-packed bytes twice.
  res.end(bytes);
}

/**
 * One `Warning` header value as the apiserver's NewWarningHeader writes it: `299 - "text"` with
 * only `"` and `\` escaped and the text's UTF-8 bytes as they are (Go writes header bytes raw;
 * Node writes a header string as Latin-1, so the bytes are handed over one char per byte).
 * Undefined for a text the apiserver drops: empty, not valid UTF-8, or with control characters.
 */
export function warningHeader(text: string): string | undefined {
  if (text === '' || !text.isWellFormed() || /\p{Cc}/u.test(text)) return undefined;
  const quoted = text.replace(/["\\]/g, (c) => `\\${c}`);
  return Buffer.from(`299 - "${quoted}"`, 'utf8').toString('latin1');
}

/** The apiserver's limits on warnings per response: 4096 runes in all, then 256 runes each. */
const TOTAL_RUNES = 4096;
const ITEM_RUNES = 256;

/**
 * The `Warning` header values of one response, the way the apiserver's warning recorder adds
 * them: duplicates and invalid texts dropped; once the texts pass 4096 runes in all, every
 * warning (earlier ones too) is cut to 256 runes and those past 4096 more are left out.
 */
export function warningHeaders(texts: string[]): string[] {
  const seen = new Set<string>();
  const ordered: string[] = [];
  let out: string[] = [];
  let written = 0;
  let truncating = false;
  for (const text of texts) {
    if (text === '' || (truncating && written >= TOTAL_RUNES) || seen.has(text)) continue;
    seen.add(text);
    ordered.push(text);
    let runes = [...text];
    if (truncating && runes.length > ITEM_RUNES) runes = runes.slice(0, ITEM_RUNES);
    const header = warningHeader(runes.join(''));
    if (header === undefined) continue;
    if (truncating || written + runes.length <= TOTAL_RUNES) {
      written += runes.length;
      out.push(header);
      continue;
    }
    truncating = true;
    written = 0;
    out = [];
    for (const earlier of ordered) {
      const cut = [...earlier].slice(0, ITEM_RUNES);
      const value = warningHeader(cut.join(''));
      if (value === undefined) continue;
      written += cut.length;
      out.push(value);
    }
  }
  return out;
}

/** Sends an error as a Status body. */
export function sendError(res: ServerResponse, err: unknown): void {
  const apiErr = err instanceof ApiError ? err : null;
  const status: StatusBody = apiErr
    ? apiErr.status
    : {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: `Internal error occurred: ${err instanceof Error ? err.message : String(err)}`,
        reason: 'InternalError',
        code: 500,
      };
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const text = JSON.stringify(status);
  res.writeHead(status.code, {
    'Content-Type': 'application/json',
    'Content-Length': String(Buffer.byteLength(text)),
    ...(apiErr?.headers ?? {}),
  });
  res.end(text);
}
