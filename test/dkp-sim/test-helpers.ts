/**
 * Helpers for dkp-sim's own tests: raw HTTP requests against a running instance and small
 * object builders.
 */
import type { Obj } from './types.ts';

/** A decoded HTTP answer. */
export interface HttpAnswer {
  status: number;
  headers: Headers;
  body: any;
}

/** Sends one request; JSON bodies are encoded unless `contentType` says otherwise and `raw` is a string. */
export async function call(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  contentType = 'application/json',
  headers: Record<string, string> = {},
): Promise<HttpAnswer> {
  const init: RequestInit = { method, headers: { ...headers } };
  if (body !== undefined) {
    (init.headers as Record<string, string>)['Content-Type'] = contentType;
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
  }
  const res = await fetch(`${base}${path}`, init);
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // keep text
  }
  return { status: res.status, headers: res.headers, body: parsed };
}

/** Path of the ModuleSource collection (or one of them). */
export function msPath(name?: string, sub?: string): string {
  return `/apis/deckhouse.io/v1alpha1/modulesources${name ? `/${name}` : ''}${sub ? `/${sub}` : ''}`;
}

/** A valid ModuleSource. */
export function moduleSource(name: string, extra: Partial<Obj> = {}): Obj {
  return {
    apiVersion: 'deckhouse.io/v1alpha1',
    kind: 'ModuleSource',
    metadata: { name },
    spec: { registry: { repo: `registry.example.com/${name}`, dockerCfg: 'e30=' } },
    ...extra,
  };
}

/** A coordination.k8s.io Lease in `namespace`. */
export function lease(name: string, namespace: string, holder = 'a'): Obj {
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name, namespace },
    spec: { holderIdentity: holder, leaseDurationSeconds: 30 },
  };
}

/** Reads a watch stream until `count` events arrived or `timeoutMs` passed. */
export async function readWatch(
  base: string,
  path: string,
  count: number,
  timeoutMs = 3000,
  onOpen?: () => Promise<void>,
): Promise<{ type: string; object: Obj }[]> {
  const ctrl = new AbortController();
  const timer = setTimeout(() => ctrl.abort(), timeoutMs);
  const events: { type: string; object: Obj }[] = [];
  try {
    const res = await fetch(`${base}${path}`, { signal: ctrl.signal });
    if (onOpen) await onOpen();
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let buf = '';
    while (events.length < count) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += decoder.decode(value, { stream: true });
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (line) events.push(JSON.parse(line));
      }
    }
    ctrl.abort();
  } catch (e) {
    if (!(e instanceof Error && e.name === 'AbortError')) throw e;
  } finally {
    clearTimeout(timer);
  }
  return events;
}
