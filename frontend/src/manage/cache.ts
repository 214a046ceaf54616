// A small shared cache of GET answers per API client: the header's tenant switcher and the
// tenant list ask for the same list once; forms' selects share the collections they look up.
// Any change through a form invalidates the paths under its collection.
import { useCallback, useEffect, useSyncExternalStore } from 'react';
import { toProblem, type ApiClient, type Problem } from '../api';

interface Entry {
  data?: unknown;
  problem: Problem | null;
  loading: boolean;
  promise: Promise<void> | null;
  /** Bumped on every change, for useSyncExternalStore snapshots. */
  stamp: number;
}

class GetCache {
  private entries = new Map<string, Entry>();
  private listeners = new Set<() => void>();

  constructor(private readonly client: ApiClient) {}

  snapshot(path: string): Entry | undefined {
    return this.entries.get(path);
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  private emit(): void {
    for (const l of [...this.listeners]) l();
  }

  /** Start loading `path` unless it is loaded or loading. */
  ensure(path: string): void {
    const entry = this.entries.get(path);
    if (entry && (entry.promise || entry.data !== undefined || entry.problem)) return;
    this.load(path);
  }

  load(path: string): void {
    const previous = this.entries.get(path);
    const entry: Entry = { data: previous?.data, problem: null, loading: true, promise: null, stamp: (previous?.stamp ?? 0) + 1 };
    this.entries.set(path, entry);
    entry.promise = this.client.request<unknown>('GET', path).then(
      (data) => this.settle(path, entry, { data, problem: null }),
      (error: unknown) => this.settle(path, entry, { data: undefined, problem: toProblem(error) }),
    );
    this.emit();
  }

  private settle(path: string, entry: Entry, result: { data: unknown; problem: Problem | null }): void {
    if (this.entries.get(path) !== entry) return; // invalidated meanwhile
    this.entries.set(path, { ...result, loading: false, promise: null, stamp: entry.stamp + 1 });
    this.emit();
  }

  /** Forget every path starting with one of `prefixes` (without its query); those in use are loaded again. */
  invalidate(...prefixes: string[]): void {
    let changed = false;
    for (const path of [...this.entries.keys()]) {
      const bare = path.split('?')[0];
      if (prefixes.some((p) => bare === p || bare.startsWith(`${p}/`))) {
        this.entries.delete(path);
        changed = true;
      }
    }
    if (changed) this.emit();
  }
}

const caches = new WeakMap<ApiClient, GetCache>();

export function cacheOf(client: ApiClient): GetCache {
  let cache = caches.get(client);
  if (!cache) caches.set(client, (cache = new GetCache(client)));
  return cache;
}

/** Forget cached answers under these API paths (e.g. after creating an extension). */
export function invalidate(client: ApiClient, ...prefixes: string[]): void {
  cacheOf(client).invalidate(...prefixes);
}

export interface Cached<T> {
  data: T | undefined;
  problem: Problem | null;
  loading: boolean;
  reload: () => void;
}

const NONE: Entry = { problem: null, loading: false, promise: null, stamp: 0 };

/** GET `path` through the client's shared cache (null: nothing). */
export function useCached<T>(client: ApiClient, path: string | null): Cached<T> {
  const cache = cacheOf(client);
  const entry = useSyncExternalStore(cache.subscribe, () => (path ? cache.snapshot(path) : undefined) ?? NONE);
  useEffect(() => {
    if (path) cache.ensure(path);
  }, [cache, path, entry]);
  const reload = useCallback(() => {
    if (path) cache.load(path);
  }, [cache, path]);
  return {
    data: entry.data as T | undefined,
    problem: entry.problem,
    loading: path !== null && (entry === NONE || entry.loading),
    reload,
  };
}
