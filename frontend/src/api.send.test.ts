import { describe, expect, it, vi } from 'vitest';
import { ApiClient, ApiError } from './api';
import { SessionStore } from './session';

function client(response: Response) {
  const fetch = vi.fn<typeof globalThis.fetch>().mockResolvedValue(response);
  const store = new SessionStore(null);
  store.set({ token: 't0k', user: { id: 'u', login: 'ann', role: 'tenant_admin', tenant_id: 't1' } });
  return { api: new ApiClient({ session: store, fetch }), fetch };
}

describe('raw bodies and binary answers', () => {
  it('sends a file as is with its content type and answers the response headers too', async () => {
    const { api, fetch } = client(new Response('{"id":"c1"}', { status: 200, headers: { 'Content-Type': 'application/json', 'X-Imported-Rows': '3' } }));
    const body = new Blob(['number\n+7495*\n']);
    const { body: answer, headers } = await api.send<{ id: string }>('POST', '/api/x/entries?mode=append', body, 'text/csv', { 'If-Match': '"4"' });
    expect(answer).toEqual({ id: 'c1' });
    expect(headers.get('X-Imported-Rows')).toBe('3');
    const [, init] = fetch.mock.calls[0];
    const sent = new Headers(init?.headers);
    expect([init?.body, sent.get('Content-Type'), sent.get('If-Match'), sent.get('Authorization')]).toEqual([body, 'text/csv', '"4"', 'Bearer t0k']);
    expect(api.token()).toBe('t0k');
  });

  it('fetches audio with the bearer token, and turns a refusal into an ApiError', async () => {
    const ok = client(new Response('RIFF', { status: 200, headers: { 'Content-Type': 'audio/wav' } }));
    expect(await (await ok.api.blob('/api/m/audio')).text()).toBe('RIFF');
    expect(new Headers(ok.fetch.mock.calls[0][1]?.headers).get('Authorization')).toBe('Bearer t0k');
    const refused = client(new Response('{"status":404,"title":"Not found","detail":"no media"}', { status: 404, headers: { 'Content-Type': 'application/problem+json' } }));
    const error = await refused.api.blob('/api/m/audio').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).problem.detail).toBe('no media');
  });
});
