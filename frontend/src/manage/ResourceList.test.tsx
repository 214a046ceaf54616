import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { I18nProvider, translate } from '../i18n';
import { ResourceList } from './ResourceList';
import { extensions } from './specs';
import { admin, json, scriptedClient, type Call } from './testing';
import type { Ctx, Item } from './types';

const ext = (n: number, version = 1): Item => ({ id: `e${n}`, version, number: String(n), name: `Ext ${n}`, devices: [{ type: 'sip', username: `acme-${n}-abcd` }] });
const page = (from: number, count: number, total: number) => ({ total, items: Array.from({ length: count }, (_, i) => ext(from + i)), limit: 25, offset: 0 });

function setup(routes: Parameters<typeof scriptedClient>[1], user = admin) {
  const api = scriptedClient(user, routes);
  const ctx: Ctx = { user, tenantId: 't1', t: (k, p) => translate('en', k, p), refs: {}, editing: false };
  render(
    <I18nProvider initial="en">
      <ResourceList spec={extensions} client={api.client} ctx={ctx} itemHref={(id) => `#/tenants/t1/extensions/${id}`} newHref="#/tenants/t1/extensions/new" />
    </I18nProvider>,
  );
  return api;
}

const listUrls = (calls: { method: string; url: string }[]) => calls.filter((c) => c.method === 'GET').map((c) => c.url.replace('/api/tenants/t1/extensions?', ''));

describe('ResourceList', () => {
  afterEach(cleanup);

  it('pages, sorts and searches through the API’s query parameters', async () => {
    const api = setup([['GET /api/tenants/t1/extensions', (c: Call) => json(c.url.includes('offset=25') ? page(225, 5, 30) : page(200, 25, 30))]]);
    const table = await screen.findByTestId('list-extensions');
    expect(within(table).getAllByRole('row')).toHaveLength(26);
    expect(within(table).getByRole('link', { name: '200' }).getAttribute('href')).toBe('#/tenants/t1/extensions/e200');
    expect(within(table).getByText('SIP acme-200-abcd')).toBeTruthy();
    expect(screen.getByText('1–25 of 30')).toBeTruthy();
    expect(screen.getByText('page 1 of 2')).toBeTruthy();
    expect(screen.getByRole('link', { name: 'New extension' }).getAttribute('href')).toBe('#/tenants/t1/extensions/new');

    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Next ›' })));
    expect(await screen.findByText('26–30 of 30')).toBeTruthy();

    // The number column is sorted ascending (the default order); Name sorts by name, then descending.
    expect(screen.getByRole('columnheader', { name: /Number/ }).getAttribute('aria-sort')).toBe('ascending');
    await act(async () => fireEvent.click(screen.getByRole('button', { name: /^Name/ })));
    await act(async () => fireEvent.click(screen.getByRole('button', { name: /^Name/ })));
    expect(screen.getByRole('columnheader', { name: /Name/ }).getAttribute('aria-sort')).toBe('descending');

    fireEvent.change(screen.getByLabelText('Search'), { target: { value: '20' } });
    await screen.findByText('1–25 of 30', {}, { timeout: 2000 });
    await act(async () => new Promise((r) => setTimeout(r, 400)));
    expect(listUrls(api.calls)).toEqual([
      'limit=25&offset=0&order=number',
      'limit=25&offset=25&order=number',
      'limit=25&offset=0&order=name',
      'limit=25&offset=0&order=-name',
      'limit=25&offset=0&search=20&order=-name',
    ]);
  });

  it('deletes after a confirmation, with the row’s version as If-Match', async () => {
    let listed = 0;
    const api = setup([
      ['GET /api/tenants/t1/extensions', () => json(listed++ === 0 ? page(200, 2, 2) : page(201, 1, 1))],
      ['DELETE /api/tenants/t1/extensions/e200', json(undefined, 204)],
    ]);
    await screen.findByTestId('list-extensions');
    fireEvent.click(screen.getByRole('button', { name: 'Delete: 200 Ext 200' }));
    const dialog = screen.getByRole('alertdialog');
    expect(within(dialog).getByRole('heading').textContent).toBe('Delete 200 Ext 200?');
    expect(document.activeElement?.textContent).toBe('Cancel'); // the safe choice has the focus
    fireEvent.keyDown(dialog, { key: 'Escape' });
    expect(screen.queryByRole('alertdialog')).toBeNull();

    fireEvent.click(screen.getByRole('button', { name: 'Delete: 200 Ext 200' }));
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Delete for good' })));
    expect(api.calls.find((c) => c.method === 'DELETE')).toMatchObject({ url: '/api/tenants/t1/extensions/e200', ifMatch: '"1"' });
    expect((await screen.findByRole('status')).textContent).toContain('Deleted 200 Ext 200.');
    expect(await screen.findByText('1–1 of 1')).toBeTruthy();
  });

  it('explains a stale delete and offers to reload the list', async () => {
    setup([
      ['GET /api/tenants/t1/extensions', page(200, 1, 1)],
      ['DELETE /api/tenants/t1/extensions/e200', json({ status: 409, title: 'Version conflict', detail: 'expected version 1 but the object is at version 2; reload and retry', current_version: 2 }, 409)],
    ]);
    await screen.findByTestId('list-extensions');
    fireEvent.click(screen.getByRole('button', { name: 'Delete: 200 Ext 200' }));
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Delete for good' })));
    const dialog = screen.getByRole('alertdialog');
    expect(within(dialog).getByText(/Someone changed it since it was loaded/)).toBeTruthy();
    expect(within(dialog).getByRole('alert').textContent).toContain('version 2');
    await act(async () => fireEvent.click(within(dialog).getByRole('button', { name: 'Reload the list' })));
    expect(screen.queryByRole('alertdialog')).toBeNull();
  });

  it('offers neither create nor delete to a read-only role', async () => {
    setup([['GET /api/tenants/t1/extensions', page(200, 1, 1)]], { ...admin, role: 'auditor' });
    await screen.findByTestId('list-extensions');
    expect(screen.queryByRole('link', { name: 'New extension' })).toBeNull();
    expect(screen.queryByRole('button', { name: /^Delete/ })).toBeNull();
  });
});
