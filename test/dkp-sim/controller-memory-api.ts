/**
 * A small in-memory InternalApi for unit tests of the controller and admission rules: objects
 * keyed by plural and name, resourceVersion/generation bumps, the status subresource split,
 * finalizer-aware deletion, change events and a clock tests can move. No schema defaulting or
 * validation: that belongs to the real store, exercised by the walkthrough tests.
 */
import { randomUUID } from 'node:crypto';
import type { InternalApi, Obj, StoreEvent } from './types.ts';
import { cloneJson } from './clone.ts';

/** The in-memory API plus test controls. */
export interface MemoryApi extends InternalApi {
  /** Move the sim clock. */
  setNow(date: Date): void;
  /** Every event since creation (or the last `clearEvents`). */
  events: StoreEvent[];
  clearEvents(): void;
}

/** Create an empty in-memory API whose clock starts at `start`. */
export function createMemoryApi(start = new Date('2026-03-16T10:00:00Z')): MemoryApi {
  const objects = new Map<string, Map<string, Obj>>();
  const listeners = new Set<(e: StoreEvent) => void>();
  let now = start;
  let rv = 100;
  const events: StoreEvent[] = [];

  const bucket = (plural: string): Map<string, Obj> => {
    const b = objects.get(plural) ?? new Map<string, Obj>();
    objects.set(plural, b);
    return b;
  };
  const emit = (type: StoreEvent['type'], plural: string, object: Obj): void => {
    const event = { type, plural, object: cloneJson(object) };
    events.push(event);
    for (const l of listeners) l(event);
  };

  const api: MemoryApi = {
    events,
    clearEvents() {
      events.length = 0;
    },
    setNow(date) {
      now = date;
    },
    now: () => now,
    get(plural, name) {
      const obj = bucket(plural).get(name);
      return obj ? cloneJson(obj) : undefined;
    },
    list(plural) {
      return [...bucket(plural).values()]
        .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name))
        .map((o) => cloneJson(o));
    },
    create(plural, obj) {
      const b = bucket(plural);
      if (b.has(obj.metadata.name)) throw new Error(`${plural} "${obj.metadata.name}" already exists`);
      const stored = cloneJson(obj);
      stored.metadata = {
        ...stored.metadata,
        uid: randomUUID(),
        resourceVersion: String(++rv),
        generation: 1,
        creationTimestamp: now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      };
      b.set(obj.metadata.name, stored);
      emit('ADDED', plural, stored);
      return cloneJson(stored);
    },
    update(plural, name, mutate, opts) {
      const b = bucket(plural);
      const current = b.get(name);
      if (!current) return undefined;
      const next = cloneJson(current);
      mutate(next);
      if (opts?.subresource === 'status') {
        const status = next.status;
        Object.assign(next, cloneJson(current), status === undefined ? {} : { status });
        if (status === undefined) delete next.status;
      } else if (current.status !== undefined) {
        next.status = cloneJson(current.status);
      } else {
        delete next.status;
      }
      if (JSON.stringify(next) === JSON.stringify(current)) return cloneJson(current);
      next.metadata.resourceVersion = String(++rv);
      if (
        JSON.stringify(next.spec) !== JSON.stringify(current.spec) ||
        JSON.stringify(next.properties) !== JSON.stringify(current.properties)
      ) {
        next.metadata.generation = Number(current.metadata.generation ?? 1) + 1;
      }
      const finalizers = (next.metadata.finalizers ?? []) as string[];
      if (next.metadata.deletionTimestamp && finalizers.length === 0) {
        b.delete(name);
        emit('DELETED', plural, next);
        return cloneJson(next);
      }
      b.set(name, next);
      emit('MODIFIED', plural, next);
      return cloneJson(next);
    },
    remove(plural, name) {
      const b = bucket(plural);
      const current = b.get(name);
      if (!current) return;
      const finalizers = (current.metadata.finalizers ?? []) as string[];
      if (finalizers.length > 0) {
        if (current.metadata.deletionTimestamp) return;
        current.metadata.deletionTimestamp = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
        current.metadata.resourceVersion = String(++rv);
        emit('MODIFIED', plural, current);
        return;
      }
      b.delete(name);
      emit('DELETED', plural, current);
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  return api;
}
