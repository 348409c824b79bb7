/**
 * dkp-sim's object store: objects per resource, one global resourceVersion counter and a
 * bounded history of change events that watches replay from (older positions answer 410).
 */
import type { Obj, StoreEvent } from './types.ts';
import { cloneJson } from './clone.ts';

/** A stored change with the resourceVersion it produced. */
export interface StoredEvent extends StoreEvent {
  rv: number;
  /** The object before this change (MODIFIED/DELETED), so filtered watches can tell entering from leaving. */
  previous?: Obj;
}

/** Store options. */
export interface StoreOptions {
  /** How many change events watches can replay (older resourceVersions get 410 Expired). Default 10000. */
  historySize?: number;
}

/** Key of an object within one resource. */
function keyOf(namespace: string | undefined, name: string): string {
  return `${namespace ?? ''}/${name}`;
}

/** In-memory storage shared by the HTTP handlers, the internal API and the control API. */
export class Store {
  private readonly objects = new Map<string, Map<string, Obj>>();
  private readonly history: StoredEvent[] = [];
  private readonly listeners = new Set<(e: StoredEvent) => void>();
  private readonly historySize: number;
  private counter = 0;
  /** The newest resourceVersion no longer replayable (0 while nothing was dropped). */
  private compacted = 0;

  constructor(opts: StoreOptions = {}) {
    this.historySize = opts.historySize ?? 10_000;
  }

  /** The current (newest) resourceVersion. */
  currentRv(): number {
    return this.counter;
  }

  /** The oldest resourceVersion a watch may start from. */
  oldestWatchableRv(): number {
    return this.compacted;
  }

  /** A copy of one object. */
  get(plural: string, name: string, namespace?: string): Obj | undefined {
    const o = this.objects.get(plural)?.get(keyOf(namespace, name));
    return o ? cloneJson(o) : undefined;
  }

  /** Copies of the objects of a resource (optionally one namespace), ordered by namespace/name. */
  list(plural: string, namespace?: string): Obj[] {
    return this.shared(plural, namespace).map(cloneJson);
  }

  /**
   * The stored objects themselves, ordered as list() orders them, for answering a LIST: the
   * apiserver's watch cache puts its cached objects into a list without copying them deeply
   * (Cacher.List in k8s.io/apiserver/pkg/storage/cacher/cacher.go). The caller never changes them.
   */
  shared(plural: string, namespace?: string): readonly Obj[] {
    const m = this.objects.get(plural);
    if (!m) return [];
    return [...m.entries()]
      .filter(([, o]) => namespace === undefined || o.metadata.namespace === namespace)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, o]) => o);
  }

  /** Stores a created or updated object under a new resourceVersion and emits the event. */
  put(plural: string, obj: Obj): Obj {
    const stored = cloneJson(obj);
    const key = keyOf(stored.metadata.namespace, stored.metadata.name);
    let m = this.objects.get(plural);
    if (!m) {
      m = new Map();
      this.objects.set(plural, m);
    }
    const previous = m.get(key);
    stored.metadata.resourceVersion = String(++this.counter);
    m.set(key, stored);
    if (previous) this.emit({ type: 'MODIFIED', plural, object: stored, rv: this.counter, previous });
    else this.emit({ type: 'ADDED', plural, object: stored, rv: this.counter });
    return cloneJson(stored);
  }

  /**
   * Removes an object; the DELETED event carries it (or `last`, its final state when an update
   * released the last finalizer) with a fresh resourceVersion.
   */
  delete(plural: string, name: string, namespace?: string, last?: Obj): Obj | undefined {
    const m = this.objects.get(plural);
    const key = keyOf(namespace, name);
    const previous = m?.get(key);
    if (!m || !previous) return undefined;
    m.delete(key);
    const gone = cloneJson(last ?? previous);
    gone.metadata.resourceVersion = String(++this.counter);
    this.emit({ type: 'DELETED', plural, object: gone, rv: this.counter, previous });
    return cloneJson(gone);
  }

  /** Events of `plural` after `rv`, or 'expired' when that position was dropped from history. */
  since(plural: string, rv: number): StoredEvent[] | 'expired' {
    if (rv < this.compacted) return 'expired';
    return this.history.filter((e) => e.rv > rv && e.plural === plural).map((e) => cloneJson(e));
  }

  /** Subscribes to every change; returns the unsubscribe function. */
  subscribe(listener: (e: StoredEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(e: StoredEvent): void {
    this.history.push(e);
    while (this.history.length > this.historySize) this.compacted = this.history.shift()!.rv;
    for (const l of [...this.listeners]) l(cloneJson(e));
  }
}
