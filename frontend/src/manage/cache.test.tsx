import { act, cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiClient } from '../api';
import { SessionStore } from '../session';
import { invalidate, useCached } from './cache';

function ok(body: unknown): Response {
  return new Response(JSON.stringify(body), { status: 200, headers: { 'Content-Type': 'application/json' } });
}

function Show({ client, path, id }: { client: ApiClient; path: string; id: string }) {
  const got = useCached<{ total: number }>(client, path);
  return <span data-testid={id}>{got.loading ? 'loading' : got.data ? String(got.data.total) : got.problem?.status}</span>;
}

describe('the shared GET cache', () => {
  afterEach(cleanup);

  it('asks once for a path two components need, and again after an invalidation', async () => {
    const fetch = vi.fn<typeof globalThis.fetch>().mockResolvedValueOnce(ok({ total: 1 })).mockResolvedValueOnce(ok({ total: 2 }));
    const client = new ApiClient({ session: new SessionStore(null), fetch });
    const path = '/api/tenants/t1/extensions?limit=500&order=number';
    render(
      <>
        <Show client={client} path={path} id="a" />
        <Show client={client} path={path} id="b" />
      </>,
    );
    await screen.findByTestId('a');
    await act(async () => {});
    expect(screen.getByTestId('a').textContent).toBe('1');
    expect(screen.getByTestId('b').textContent).toBe('1');
    expect(fetch).toHaveBeenCalledTimes(1);

    await act(async () => {
      invalidate(client, '/api/tenants/t1/groups'); // another collection: nothing to do
    });
    expect(fetch).toHaveBeenCalledTimes(1);
    await act(async () => {
      invalidate(client, '/api/tenants/t1/extensions');
    });
    expect(fetch).toHaveBeenCalledTimes(2);
    expect(screen.getByTestId('b').textContent).toBe('2');
  });

  it('keeps a refusal without asking again in a loop', async () => {
    const fetch = vi
      .fn<typeof globalThis.fetch>()
      .mockResolvedValue(new Response(JSON.stringify({ status: 403, title: 'Forbidden' }), { status: 403, headers: { 'Content-Type': 'application/problem+json' } }));
    const client = new ApiClient({ session: new SessionStore(null), fetch });
    render(<Show client={client} path="/api/trunks?limit=500&order=name" id="t" />);
    await act(async () => {});
    await act(async () => {});
    expect(screen.getByTestId('t').textContent).toBe('403');
    expect(fetch).toHaveBeenCalledTimes(1);
  });
});
