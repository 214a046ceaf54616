import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { I18nProvider } from '../i18n';
import { admin, operator, scriptedClient } from '../manage/testing';
import { parseRoute } from '../router';
import { Header } from './Header';
import { currentTenant, switchedRoute } from './TenantNav';

const tenants = {
  total: 2,
  items: [
    { id: 't1', name: 'Acme', code: 'acme', timezone: 'UTC', version: 1 },
    { id: 't2', name: 'Globex', code: 'globex', timezone: 'UTC', version: 1 },
  ],
};

function header(user: typeof admin, hash: string) {
  const api = scriptedClient(user, [['GET /api/tenants?limit=500&order=name', tenants]]);
  render(
    <I18nProvider initial="en">
      <Header client={api.client} user={user} route={parseRoute(hash)} onLogout={() => {}} />
    </I18nProvider>,
  );
  return api;
}

describe('the current tenant', () => {
  beforeEach(() => sessionStorage.clear());
  afterEach(cleanup);

  it('is the route’s, else the user’s, else the last one visited', () => {
    expect(currentTenant(parseRoute('#/tenants/t2/media'), { tenant_id: 't1' }, null)).toBe('t2');
    expect(currentTenant(parseRoute('#/tenants'), { tenant_id: 't1' }, 't9')).toBe('t1');
    expect(currentTenant(parseRoute('#/platform/trunks'), { tenant_id: null }, 't9')).toBe('t9');
    expect(currentTenant(parseRoute('#/platform/trunks'), { tenant_id: null }, null)).toBeNull();
  });

  it('switches to the same kind of page of another tenant', () => {
    expect(switchedRoute(parseRoute('#/tenants/t1/ivr-menus/m1'), 't2')).toEqual({ name: 'manage', tenantId: 't2', section: 'ivr-menus', itemId: null });
    expect(switchedRoute(parseRoute('#/tenants/t1/schemes/s1'), 't2')).toEqual({ name: 'schemes', tenantId: 't2' });
    expect(switchedRoute(parseRoute('#/platform/numbers'), 't2')).toEqual({ name: 'tenants', tenantId: 't2' });
  });

  it('gives an operator a tenant switcher and the platform pages', async () => {
    window.location.hash = '#/tenants/t1/extensions';
    const { calls } = header(operator, '#/tenants/t1/extensions');
    const switcher = (await screen.findByLabelText('Tenant')) as HTMLSelectElement;
    await screen.findByRole('option', { name: 'Globex' });
    expect(switcher.value).toBe('t1');
    const main = screen.getByRole('navigation', { name: 'Main navigation' });
    expect(within(main).getAllByRole('link').map((a) => a.textContent)).toEqual(['Tenants', 'Manage tenants', 'Number pool', 'Trunks']);
    const sections = screen.getByRole('navigation', { name: 'Tenant sections' });
    expect(within(sections).getByRole('link', { name: 'Extensions' }).getAttribute('aria-current')).toBe('page');
    expect(within(sections).getByRole('link', { name: 'Routing' }).getAttribute('href')).toBe('#/tenants/t1/schemes');
    expect(within(sections).getByRole('link', { name: 'Settings' }).getAttribute('href')).toBe('#/tenants/t1/settings');
    // Exactly one "Routing" link in all navigation (the canvas e2e spec relies on it).
    expect(screen.getAllByRole('link', { name: /routing/i })).toHaveLength(1);

    await act(async () => fireEvent.change(switcher, { target: { value: 't2' } }));
    expect(window.location.hash).toBe('#/tenants/t2/extensions');
    expect(calls.map((c) => c.url)).toEqual(['/api/tenants?limit=500&order=name']);
  });

  it('shows a tenant admin their tenant’s name and sections, without a switcher', async () => {
    header(admin, '#/tenants');
    expect(await screen.findByText('Acme')).toBeTruthy();
    expect(screen.getByTestId('current-tenant').textContent).toBe('Acme');
    expect(screen.queryByLabelText('Tenant')).toBeNull();
    expect(screen.queryByRole('link', { name: 'Manage tenants' })).toBeNull();
    expect(within(screen.getByRole('navigation', { name: 'Tenant sections' })).getByRole('link', { name: 'IVR menus' }).getAttribute('href')).toBe(
      '#/tenants/t1/ivr-menus',
    );
  });
});
