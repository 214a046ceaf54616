// Test helpers: an API client over a scripted fetch that records every call.
import { vi } from 'vitest';
import { ApiClient } from '../api';
import { SessionStore, type User } from '../session';

export interface Call {
  method: string;
  url: string;
  ifMatch: string | null;
  body: unknown;
}

type Responder = (call: Call) => Response | Promise<Response>;

export function json(body: unknown, status = 200): Response {
  const type = status >= 400 ? 'application/problem+json' : 'application/json';
  return new Response(body === undefined ? null : JSON.stringify(body), { status, headers: { 'Content-Type': type } });
}

/**
 * A client whose fetch answers by the first route matching "METHOD url-prefix"; routes
 * given later for the same key answer later calls (a queue), the last one repeats.
 */
export function scriptedClient(user: User, routes: [string, Responder | Response | unknown][] = []) {
  const calls: Call[] = [];
  const queues = new Map<string, Responder[]>();
  const add = (key: string, r: Responder | Response | unknown) => {
    const responder: Responder = typeof r === 'function' ? (r as Responder) : r instanceof Response ? () => r.clone() : () => json(r);
    queues.set(key, [...(queues.get(key) ?? []), responder]);
  };
  for (const [key, r] of routes) add(key, r);
  const fetch = vi.fn<typeof globalThis.fetch>(async (input, init) => {
    const url = String(input);
    const method = init?.method ?? 'GET';
    const headers = new Headers(init?.headers);
    const raw = init?.body;
    const call: Call = { method, url, ifMatch: headers.get('If-Match'), body: typeof raw === 'string' ? (JSON.parse(raw) as unknown) : raw };
    calls.push(call);
    const key = [...queues.keys()]
      .filter((k) => {
        const [m, prefix] = k.split(' ');
        return m === method && url.startsWith(prefix);
      })
      .sort((a, b) => b.length - a.length)[0];
    if (!key) return json({ status: 404, title: 'Not found', detail: `no route for ${method} ${url}` }, 404);
    const queue = queues.get(key)!;
    const responder = queue.length > 1 ? queue.shift()! : queue[0];
    return responder(call);
  });
  const store = new SessionStore(null);
  store.set({ token: 'tok', user });
  const client = new ApiClient({ session: store, fetch });
  return { client, calls, add, fetch };
}

export const admin: User = { id: 'u1', login: 'ann', role: 'tenant_admin', tenant_id: 't1' };
export const operator: User = { id: 'op', login: 'admin', role: 'operator', tenant_id: null };
