import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiClient } from './api';
import { App } from './App';
import { I18nProvider } from './i18n';
import { SessionStore } from './session';

function problem(status: number, body: object): Response {
  return new Response(JSON.stringify({ status, ...body }), {
    status,
    headers: { 'Content-Type': 'application/problem+json' },
  });
}

function ok(body: unknown): Response {
  return new Response(JSON.stringify(body), { status: 200, headers: { 'Content-Type': 'application/json' } });
}

function setup(responses: Response[]) {
  const fetch = vi.fn<typeof globalThis.fetch>();
  for (const response of responses) fetch.mockResolvedValueOnce(response);
  const store = new SessionStore(null);
  const client = new ApiClient({ session: store, fetch });
  render(
    <I18nProvider initial="en">
      <App client={client} store={store} />
    </I18nProvider>,
  );
  return { fetch, store };
}

async function submitLogin(login: string, password: string) {
  fireEvent.change(screen.getByLabelText('Login'), { target: { value: login } });
  fireEvent.change(screen.getByLabelText('Password'), { target: { value: password } });
  await act(async () => {
    fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
  });
}

describe('App shell', () => {
  beforeEach(() => {
    window.location.hash = '#/tenants';
  });
  afterEach(cleanup);

  it('shows the problem detail and the field error at its field', async () => {
    setup([
      problem(422, {
        title: 'Invalid input',
        detail: 'password: Expected `str` of length >= 1',
        fields: ['password'],
        errors: [{ field: 'password', message: 'Expected `str` of length >= 1' }],
      }),
    ]);
    await submitLogin('demo-admin', '');

    expect(await screen.findByRole('alert')).toHaveProperty('textContent', 'password: Expected `str` of length >= 1');
    const password = screen.getByLabelText('Password');
    expect(password.getAttribute('aria-invalid')).toBe('true');
    const describedBy = password.getAttribute('aria-describedby')!;
    expect(document.getElementById(describedBy)?.textContent).toBe('Expected `str` of length >= 1');
    expect(screen.getByLabelText('Login').getAttribute('aria-invalid')).toBeNull();
  });

  it('signs in, lists tenants and shows the selected tenant’s extensions', async () => {
    const { fetch } = setup([
      ok({ token: 't0k', user: { id: 'u1', login: 'operator', role: 'operator', tenant_id: null } }),
      ok({
        total: 2,
        items: [
          { id: 't1', name: 'Acme', code: 'acme', timezone: 'Europe/Moscow' },
          { id: 't2', name: 'Globex', code: 'globex', timezone: 'UTC' },
        ],
      }),
      ok({
        total: 1,
        items: [{ id: 'e1', number: '101', name: 'Reception', devices: [{ type: 'sip', username: 'acme-101', password: 's3cret' }] }],
      }),
    ]);
    await submitLogin('operator', 'pw');

    expect(await screen.findByTestId('current-user')).toHaveProperty('textContent', 'operator');
    const list = await screen.findByTestId('tenant-list');
    expect(within(list).getAllByRole('link').map((a) => a.textContent)).toEqual([
      'Acmeacme · Europe/Moscow',
      'Globexglobex · UTC',
    ]);

    await act(async () => {
      window.location.hash = '#/tenants/t1';
      window.dispatchEvent(new HashChangeEvent('hashchange'));
    });
    const table = await screen.findByTestId('extensions');
    expect(within(table).getByText('Reception')).toBeTruthy();
    expect(within(table).getByText('acme-101')).toBeTruthy();
    expect(within(table).queryByText('s3cret')).toBeNull(); // hidden until asked for
    fireEvent.click(within(table).getByRole('button', { name: 'Show password' }));
    expect(within(table).getByText('s3cret')).toBeTruthy();

    const calls = fetch.mock.calls.map(([url, init]) => [url, new Headers(init?.headers).get('Authorization')]);
    expect(calls).toEqual([
      ['/api/auth/login', null],
      ['/api/tenants?limit=500&order=name', 'Bearer t0k'],
      ['/api/tenants/t1/extensions?limit=500&order=number', 'Bearer t0k'],
    ]);
  });

  it('switches the UI to Russian', async () => {
    setup([]);
    fireEvent.change(screen.getByLabelText('Language'), { target: { value: 'ru' } });
    expect(await screen.findByRole('button', { name: 'Войти' })).toBeTruthy();
    expect(screen.getByLabelText('Пароль')).toBeTruthy();
  });
});
