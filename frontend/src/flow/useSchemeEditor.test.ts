import { act, renderHook, waitFor } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { ApiClient } from '../api';
import { SessionStore } from '../session';
import { SchemeApi } from './schemeApi';
import type { Graph, Scheme } from './types';
import { useSchemeEditor } from './useSchemeEditor';

const TENANT = 't1';
const SCHEME = 's1';
const BASE = `/api/tenants/${TENANT}/schemes/${SCHEME}`;

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': status >= 400 ? 'application/problem+json' : 'application/json' },
  });
}

function scheme(version: number, graph: Graph): Scheme {
  return { id: SCHEME, version, name: 'Main', description: '', graph, published_revision: null, revisions: 0, entries: [] };
}

/**
 * A fake server for one scheme: it applies commands as the real one does (enough of them
 * for these tests), checks If-Match, and can be told to refuse the next write.
 */
function fakeServer(initial: Graph) {
  let current = scheme(1, initial);
  let refuseNext: Response | null = null;
  const writes: { path: string; ifMatch: string | null; body: unknown }[] = [];
  const fetch = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = String(input);
    const method = init?.method ?? 'GET';
    const headers = new Headers(init?.headers);
    if (method === 'GET' && url === BASE) return json(200, current);
    if (method === 'GET' && url === `${BASE}/validation`) return json(200, { version: current.version, valid: true, errors: [], warnings: [] });
    if (method === 'POST' && url === `${BASE}/commands`) {
      const body = JSON.parse(String(init?.body)) as Record<string, unknown>;
      writes.push({ path: url, ifMatch: headers.get('If-Match'), body });
      if (refuseNext) {
        const r = refuseNext;
        refuseNext = null;
        return r;
      }
      if (headers.get('If-Match') !== `"${current.version}"`) {
        return json(409, { status: 409, title: 'Version conflict', detail: 'stale', current_version: current.version });
      }
      const g = structuredClone(current.graph);
      if (body.op === 'add_node') {
        const node = body.node as Graph['nodes'][number];
        g.nodes.push({ ...node, params: { cause: 'normal', ...node.params } }); // the server fills defaults
      } else if (body.op === 'remove_node') {
        g.nodes = g.nodes.filter((n) => n.id !== body.id);
        g.edges = g.edges.filter((e) => e.from !== body.id && e.to !== body.id);
      } else if (body.op === 'connect') {
        g.edges.push({ from: String(body.from), port: String(body.port), to: String(body.to) });
      }
      current = scheme(current.version + 1, g);
      return json(200, current);
    }
    return json(404, { status: 404, detail: `no route ${method} ${url}` });
  });
  return {
    fetch,
    writes,
    get current() {
      return current;
    },
    /** Someone else saves a change. */
    bump() {
      current = scheme(current.version + 1, current.graph);
    },
    refuse(response: Response) {
      refuseNext = response;
    },
  };
}

function setup(initial: Graph = { nodes: [], edges: [] }, readOnly = false) {
  const server = fakeServer(initial);
  const client = new ApiClient({ session: new SessionStore(null), fetch: server.fetch as typeof fetch });
  const api = new SchemeApi(client, TENANT);
  const hook = renderHook(() => useSchemeEditor(api, SCHEME, readOnly));
  return { server, hook };
}

const hangup = (id: string) => ({ op: 'add_node' as const, node: { id, type: 'hangup', params: {}, position: { x: 0, y: 0 } } });

describe('useSchemeEditor', () => {
  it('sends each edit in order with If-Match of the version the previous answer gave', async () => {
    const { server, hook } = setup();
    await waitFor(() => expect(hook.result.current.scheme?.version).toBe(1));
    act(() => {
      hook.result.current.perform('add', [hangup('hangup1')]);
      hook.result.current.perform('add', [hangup('hangup2')]);
    });
    // shown at once, before the server answers
    expect(hook.result.current.graph.nodes.map((n) => n.id)).toEqual(['hangup1', 'hangup2']);
    await waitFor(() => expect(hook.result.current.pending).toBe(0));
    expect(server.writes.map((w) => w.ifMatch)).toEqual(['"1"', '"2"']);
    expect(hook.result.current.scheme?.version).toBe(3);
    // the server's answer replaces the local guess (its defaults filled in)
    expect(hook.result.current.graph.nodes[0].params).toEqual({ cause: 'normal' });
    expect(hook.result.current.validation?.valid).toBe(true);
  });

  it('undoes and redoes through the server', async () => {
    const { server, hook } = setup();
    await waitFor(() => expect(hook.result.current.scheme).not.toBeNull());
    act(() => void hook.result.current.perform('add', [hangup('hangup1')]));
    await waitFor(() => expect(hook.result.current.pending).toBe(0));
    act(() => hook.result.current.undo());
    expect(hook.result.current.graph.nodes).toEqual([]);
    await waitFor(() => expect(hook.result.current.pending).toBe(0));
    expect(server.current.graph.nodes).toEqual([]);
    expect(hook.result.current.history.future).toHaveLength(1);
    act(() => hook.result.current.redo());
    await waitFor(() => expect(hook.result.current.pending).toBe(0));
    expect(server.current.graph.nodes.map((n) => n.id)).toEqual(['hangup1']);
    expect(server.writes.map((w) => (w.body as { op: string }).op)).toEqual(['add_node', 'remove_node', 'add_node']);
  });

  it('stops at a 409 and keeps the other change: nothing is retried or overwritten', async () => {
    const { server, hook } = setup();
    await waitFor(() => expect(hook.result.current.scheme).not.toBeNull());
    server.bump(); // another admin saved version 2
    act(() => {
      hook.result.current.perform('add', [hangup('hangup1')]);
      hook.result.current.perform('add', [hangup('hangup2')]);
    });
    await waitFor(() => expect(hook.result.current.conflict).not.toBeNull());
    await waitFor(() => expect(hook.result.current.pending).toBe(0));
    expect(hook.result.current.conflict?.currentVersion).toBe(2);
    expect(server.writes).toHaveLength(1); // the queued second edit was never sent
    expect(server.current.version).toBe(2);
    // no more edits until the user reloads
    let accepted = true;
    act(() => void (accepted = hook.result.current.perform('add', [hangup('hangup3')])));
    expect(accepted).toBe(false);
    await act(() => hook.result.current.reload());
    expect(hook.result.current.conflict).toBeNull();
    expect(hook.result.current.scheme?.version).toBe(2);
    expect(hook.result.current.history.past).toEqual([]);
    act(() => void hook.result.current.perform('add', [hangup('hangup3')]));
    await waitFor(() => expect(hook.result.current.pending).toBe(0));
    expect(server.writes.at(-1)?.ifMatch).toBe('"2"');
  });

  it('shows a refused edit (422), puts back the server graph and forgets the action', async () => {
    const { server, hook } = setup();
    await waitFor(() => expect(hook.result.current.scheme).not.toBeNull());
    server.refuse(
      json(422, {
        status: 422,
        title: 'Invalid input',
        detail: "node.params.cause: Invalid enum value 'bogus'",
        errors: [{ field: 'node.params.cause', message: "Invalid enum value 'bogus'" }],
      }),
    );
    act(() => void hook.result.current.perform('add', [hangup('hangup1')]));
    await waitFor(() => expect(hook.result.current.editError).not.toBeNull());
    await waitFor(() => expect(hook.result.current.pending).toBe(0));
    expect(hook.result.current.editError).toEqual(["node.params.cause: Invalid enum value 'bogus'"]);
    expect(hook.result.current.graph.nodes).toEqual([]);
    expect(hook.result.current.history.past).toEqual([]);
  });

  it('refuses locally what cannot be applied, and everything when read-only', async () => {
    const { server, hook } = setup({ nodes: [], edges: [] });
    await waitFor(() => expect(hook.result.current.scheme).not.toBeNull());
    let ok = true;
    act(() => void (ok = hook.result.current.perform('move', [{ op: 'move_node', id: 'nope', position: { x: 1, y: 1 } }])));
    expect(ok).toBe(false);
    expect(hook.result.current.editError?.[0]).toMatch(/no node nope/);
    expect(server.writes).toHaveLength(0);

    const ro = setup({ nodes: [], edges: [] }, true);
    await waitFor(() => expect(ro.hook.result.current.scheme).not.toBeNull());
    act(() => void (ok = ro.hook.result.current.perform('add', [hangup('hangup1')])));
    expect(ok).toBe(false);
    expect(ro.server.writes).toHaveLength(0);
  });

  it('runs a publish-like write after the edits in flight, with the version they produced', async () => {
    const { hook } = setup();
    await waitFor(() => expect(hook.result.current.scheme).not.toBeNull());
    let seen = 0;
    act(() => void hook.result.current.perform('add', [hangup('hangup1')]));
    await act(() => hook.result.current.exclusive(async (version) => void (seen = version)));
    expect(seen).toBe(2);
  });
});
