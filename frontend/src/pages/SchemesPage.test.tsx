import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiClient } from '../api';
import { I18nProvider } from '../i18n';
import { SessionStore, type User } from '../session';
import { canEditSchemes } from './SchemeEditorPage';
import { SchemesPage } from './SchemesPage';

function ok(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}

const admin: User = { id: 'u1', login: 'ann', role: 'tenant_admin', tenant_id: 't1' };
const auditor: User = { id: 'u2', login: 'bob', role: 'auditor', tenant_id: 't1' };
const list = {
  total: 1,
  items: [{ id: 's1', version: 3, name: 'Main line', description: 'office', graph: { nodes: [], edges: [] }, published_revision: 2, revisions: 2, entries: ['+74951234567'] }],
};

function setup(user: User, responses: Response[]) {
  const fetch = vi.fn<typeof globalThis.fetch>();
  for (const r of responses) fetch.mockResolvedValueOnce(r);
  const store = new SessionStore(null);
  store.set({ token: 'tok', user });
  const client = new ApiClient({ session: store, fetch });
  render(
    <I18nProvider initial="en">
      <SchemesPage client={client} user={user} tenantId="t1" />
    </I18nProvider>,
  );
  return fetch;
}

describe('SchemesPage', () => {
  afterEach(cleanup);

  it('lists the schemes and creates one, then opens it in the editor', async () => {
    window.location.hash = '#/tenants/t1/schemes';
    const fetch = setup(admin, [ok(list), ok({ ...list.items[0], id: 's2', name: 'Night' }, 201)]);
    const table = await screen.findByTestId('scheme-list');
    expect(within(table).getByRole('link', { name: 'Main line' }).getAttribute('href')).toBe('#/tenants/t1/schemes/s1');
    expect(within(table).getByText('+74951234567')).toBeTruthy();
    expect(within(table).getByText('revision 2')).toBeTruthy();

    fireEvent.change(screen.getByLabelText('Name'), { target: { value: 'Night' } });
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Create and open' }));
    });
    expect(window.location.hash).toBe('#/tenants/t1/schemes/s2');
    const [url, init] = fetch.mock.calls[1];
    expect(url).toBe('/api/tenants/t1/schemes');
    expect(JSON.parse(String(init?.body))).toEqual({ name: 'Night', description: '' });
  });

  it('deletes with the version as If-Match, after a confirmation', async () => {
    const fetch = setup(admin, [ok(list), new Response(null, { status: 204 }), ok({ total: 0, items: [] })]);
    await screen.findByTestId('scheme-list');
    fireEvent.click(screen.getByRole('button', { name: 'Delete' }));
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Delete for good' }));
    });
    const [url, init] = fetch.mock.calls[1];
    expect([url, init?.method, new Headers(init?.headers).get('If-Match')]).toEqual(['/api/tenants/t1/schemes/s1', 'DELETE', '"3"']);
    expect(await screen.findByText('No routing schemes yet.')).toBeTruthy();
  });

  it('offers no create or delete to a read-only role', async () => {
    setup(auditor, [ok(list)]);
    await screen.findByTestId('scheme-list');
    expect(screen.queryByRole('button', { name: 'Delete' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Create and open' })).toBeNull();
    expect(canEditSchemes(auditor)).toBe(false);
    expect(canEditSchemes({ role: 'user' })).toBe(false);
    expect(canEditSchemes({ role: 'supervisor' })).toBe(false);
    expect(canEditSchemes(admin)).toBe(true);
    expect(canEditSchemes({ role: 'operator' })).toBe(true);
  });
});
