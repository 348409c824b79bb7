/**
 * Small helpers for end-to-end tests: talking to dkp-sim over plain HTTP (as another client
 * would), reading modsync's JSON log lines, waiting for conditions.
 */
import type { DemoEnv } from '../support/demo-env.ts';

export interface SimObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    resourceVersion?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    [k: string]: unknown;
  };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
  [k: string]: unknown;
}

const PATHS: Record<string, string> = {
  ModuleSource: '/apis/deckhouse.io/v1alpha1/modulesources',
  ModuleUpdatePolicy: '/apis/deckhouse.io/v1alpha2/moduleupdatepolicies',
  ModuleConfig: '/apis/deckhouse.io/v1alpha1/moduleconfigs',
  ModuleRelease: '/apis/deckhouse.io/v1alpha1/modulereleases',
  Module: '/apis/deckhouse.io/v1alpha1/modules',
};

/** GET one object; null when it does not exist. */
export async function getObject(env: DemoEnv, kind: string, name: string): Promise<SimObject | null> {
  const res = await fetch(`${env.sim.url}${PATHS[kind]}/${name}`);
  if (res.status === 404) return null;
  if (!res.ok) throw new Error(`GET ${kind}/${name}: ${res.status} ${await res.text()}`);
  return (await res.json()) as SimObject;
}

export async function listObjects(env: DemoEnv, kind: string): Promise<SimObject[]> {
  const res = await fetch(`${env.sim.url}${PATHS[kind]}`);
  return ((await res.json()) as { items: SimObject[] }).items;
}

/** Another field manager (a person with kubectl) applies an object. */
export async function applyAs(env: DemoEnv, manager: string, obj: SimObject): Promise<SimObject> {
  const res = await fetch(`${env.sim.url}${PATHS[obj.kind]}/${obj.metadata.name}?fieldManager=${manager}&force=true`, {
    method: 'PATCH',
    headers: { 'content-type': 'application/apply-patch+yaml' },
    body: JSON.stringify(obj),
  });
  if (!res.ok) throw new Error(`apply ${obj.kind}/${obj.metadata.name}: ${res.status} ${await res.text()}`);
  return (await res.json()) as SimObject;
}

export async function mergePatchAs(
  env: DemoEnv,
  manager: string,
  kind: string,
  name: string,
  patch: unknown,
): Promise<SimObject> {
  const res = await fetch(`${env.sim.url}${PATHS[kind]}/${name}?fieldManager=${manager}`, {
    method: 'PATCH',
    headers: { 'content-type': 'application/merge-patch+json' },
    body: JSON.stringify(patch),
  });
  if (!res.ok) throw new Error(`patch ${kind}/${name}: ${res.status} ${await res.text()}`);
  return (await res.json()) as SimObject;
}

/** Parsed JSON log lines of a run (stderr), ignoring anything that is not JSON. */
export function logLines(stderr: string): Record<string, unknown>[] {
  return stderr
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

export async function waitFor<T>(
  what: string,
  fn: () => Promise<T | null | undefined | false>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function modulePhase(env: DemoEnv, name: string): Promise<string | undefined> {
  return (await getObject(env, 'Module', name))?.status?.phase as string | undefined;
}
