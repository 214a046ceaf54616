import { describe, expect, it, vi } from 'vitest';
import { ApiClient, ApiError, fieldErrors, parseProblem } from './api';
import { SessionStore, TOKEN_KEY } from './session';

function json(status: number, body: unknown, type = 'application/json'): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': type } });
}

function memoryStorage(): Storage {
  const data = new Map<string, string>();
  return {
    get length() {
      return data.size;
    },
    clear: () => data.clear(),
    getItem: (k) => data.get(k) ?? null,
    key: (i) => [...data.keys()][i] ?? null,
    removeItem: (k) => void data.delete(k),
    setItem: (k, v) => void data.set(k, String(v)),
  };
}

describe('parseProblem / fieldErrors', () => {
  it('reads a validation problem into one message per field', () => {
    const problem = parseProblem(422, {
      type: 'about:blank',
      status: 422,
      title: 'Invalid input',
      detail: 'login: Expected `str` of length >= 1; password: Expected `str` of length >= 1',
      fields: ['login', 'password'],
      errors: [
        { field: 'login', message: 'Expected `str` of length >= 1', source: 'body' },
        { field: 'password', message: 'Expected `str` of length >= 1', source: 'body' },
      ],
    });
    expect(problem.status).toBe(422);
    expect(problem.title).toBe('Invalid input');
    expect(problem.fields).toEqual(['login', 'password']);
    expect(fieldErrors(problem)).toEqual({
      login: 'Expected `str` of length >= 1',
      password: 'Expected `str` of length >= 1',
    });
  });

  it('drops the "field: " prefix a domain error repeats in its message', () => {
    const problem = parseProblem(422, {
      status: 422,
      title: 'Invalid input',
      detail: 'number: must have 3 to 5 digits',
      fields: ['number'],
      errors: [{ field: 'number', message: 'number: must have 3 to 5 digits' }],
    });
    expect(fieldErrors(problem)).toEqual({ number: 'must have 3 to 5 digits' });
  });

  it('gives a field named only in `fields` the detail, and joins several messages for one field', () => {
    const problem = parseProblem(409, {
      status: 409,
      title: 'Conflict',
      detail: 'extension 101 already exists',
      fields: ['number', 'devices.0.username'],
      errors: [
        { field: 'devices.0.username', message: 'too long' },
        { field: 'devices.0.username', message: 'bad characters' },
      ],
    });
    expect(problem.fields).toEqual(['number', 'devices.0.username']);
    expect(fieldErrors(problem)).toEqual({
      number: 'extension 101 already exists',
      'devices.0.username': 'too long; bad characters',
    });
  });

  it('keeps extension members such as current_version', () => {
    const problem = parseProblem(409, { status: 409, title: 'Version conflict', detail: 'reload', current_version: 7 });
    expect(problem.current_version).toBe(7);
    expect(problem.errors).toEqual([]);
  });

  it('survives bodies that are not problem+json', () => {
    const html = parseProblem(502, '<html><body>Bad Gateway</body></html>', 'Bad Gateway');
    expect(html).toMatchObject({ status: 502, title: 'Bad Gateway', detail: 'Bad Gateway', fields: [], errors: [] });

    const plain = parseProblem(500, 'database is down', '');
    expect(plain).toMatchObject({ status: 500, title: 'HTTP 500', detail: 'database is down' });

    const junk = parseProblem(400, { errors: [null, 3, { message: 'no field' }], fields: [1, 'ok'] });
    expect(junk.errors).toEqual([{ field: 'ok', message: '' }]);
    expect(fieldErrors(junk)).toEqual({ ok: 'HTTP 400' });
  });
});

describe('ApiClient', () => {
  it('logs in, keeps the token in storage and sends it as a bearer token afterwards', async () => {
    const storage = memoryStorage();
    const store = new SessionStore(storage);
    const fetch = vi
      .fn<typeof globalThis.fetch>()
      .mockResolvedValueOnce(json(200, { token: 'tok-1', user: { id: 'u1', login: 'demo-admin', role: 'tenant_admin', tenant_id: 't1' } }))
      .mockResolvedValueOnce(json(200, { total: 0, items: [] }));
    const client = new ApiClient({ session: store, fetch });

    const user = await client.login('demo-admin', 'secret');
    expect(user.role).toBe('tenant_admin');
    expect(storage.getItem(TOKEN_KEY)).toBe('tok-1');
    const [loginUrl, loginInit] = fetch.mock.calls[0];
    expect(loginUrl).toBe('/api/auth/login');
    expect(loginInit?.method).toBe('POST');
    expect(JSON.parse(String(loginInit?.body))).toEqual({ login: 'demo-admin', password: 'secret' });
    expect(new Headers(loginInit?.headers).has('Authorization')).toBe(false);

    await client.tenants();
    const [, init] = fetch.mock.calls[1];
    expect(new Headers(init?.headers).get('Authorization')).toBe('Bearer tok-1');

    // A new store over the same storage (a page reload) restores the session.
    expect(new SessionStore(storage).get()?.user.login).toBe('demo-admin');
  });

  it('throws an ApiError with field errors for problem+json', async () => {
    const store = new SessionStore(memoryStorage());
    const fetch = vi.fn<typeof globalThis.fetch>().mockResolvedValue(
      json(
        422,
        { status: 422, title: 'Invalid input', detail: 'login: too short', fields: ['login'], errors: [{ field: 'login', message: 'too short' }] },
        'application/problem+json',
      ),
    );
    const error = await new ApiClient({ session: store, fetch }).login('', 'x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(422);
    expect((error as ApiError).message).toBe('login: too short');
    expect((error as ApiError).fieldErrors).toEqual({ login: 'too short' });
    expect(store.get()).toBeNull();
  });

  it('ends the session when the server rejects the token', async () => {
    const storage = memoryStorage();
    const store = new SessionStore(storage);
    store.set({ token: 'old', user: { id: 'u', login: 'x', role: 'operator', tenant_id: null } });
    const fetch = vi
      .fn<typeof globalThis.fetch>()
      .mockResolvedValue(json(401, { status: 401, title: 'Unauthorized', detail: 'the session token is unknown or expired' }, 'application/problem+json'));
    await expect(new ApiClient({ session: store, fetch }).tenants()).rejects.toMatchObject({ status: 401 });
    expect(store.get()).toBeNull();
    expect(store.endReason).toBe('expired');
    expect(storage.getItem(TOKEN_KEY)).toBeNull();
  });

  it('reports an unreachable server as a problem with status 0', async () => {
    const fetch = vi.fn<typeof globalThis.fetch>().mockRejectedValue(new TypeError('Failed to fetch'));
    const error = (await new ApiClient({ session: new SessionStore(null), fetch }).tenants().catch((e: unknown) => e)) as ApiError;
    expect(error).toBeInstanceOf(ApiError);
    expect(error.status).toBe(0);
    expect(error.problem.detail).toContain('Failed to fetch');
  });
});
