import { describe, expect, it } from 'vitest';
import { href, parseRoute, routeTenant } from './router';

describe('management routes', () => {
  it('maps a tenant’s sections, items and create forms', () => {
    expect(parseRoute('#/tenants/t1/extensions')).toEqual({ name: 'manage', tenantId: 't1', section: 'extensions', itemId: null });
    expect(parseRoute('#/tenants/t1/ivr-menus/new')).toEqual({ name: 'manage', tenantId: 't1', section: 'ivr-menus', itemId: 'new' });
    expect(parseRoute('#/tenants/t1/voice-messages/a%2Fb')).toEqual({ name: 'manage', tenantId: 't1', section: 'voice-messages', itemId: 'a/b' });
    expect(parseRoute('#/tenants/t1/settings')).toEqual({ name: 'manage', tenantId: 't1', section: 'settings', itemId: null });
    expect(parseRoute('#/tenants/t1/settings/x')).toEqual({ name: 'notFound', path: '/tenants/t1/settings/x' });
    expect(parseRoute('#/tenants/t1/extensions/e1/more')).toEqual({ name: 'notFound', path: '/tenants/t1/extensions/e1/more' });
    expect(parseRoute('#/tenants/t1/trunks')).toEqual({ name: 'notFound', path: '/tenants/t1/trunks' });
  });

  it('maps the operator’s platform sections', () => {
    expect(parseRoute('#/platform/tenants')).toEqual({ name: 'platform', section: 'tenants', itemId: null });
    expect(parseRoute('#/platform/numbers/n1')).toEqual({ name: 'platform', section: 'numbers', itemId: 'n1' });
    expect(parseRoute('#/platform/trunks/new')).toEqual({ name: 'platform', section: 'trunks', itemId: 'new' });
    expect(parseRoute('#/platform/extensions')).toEqual({ name: 'notFound', path: '/platform/extensions' });
  });

  it('round-trips through href and knows the route’s tenant', () => {
    for (const route of [
      { name: 'manage', tenantId: 't 1', section: 'schedules', itemId: null },
      { name: 'manage', tenantId: 't1', section: 'classifiers', itemId: 'c/1' },
      { name: 'manage', tenantId: 't1', section: 'settings', itemId: null },
      { name: 'platform', section: 'numbers', itemId: null },
      { name: 'platform', section: 'trunks', itemId: 'k1' },
    ] as const) {
      expect(parseRoute(href(route))).toEqual(route);
    }
    expect(routeTenant(parseRoute('#/tenants/t9/media'))).toBe('t9');
    expect(routeTenant(parseRoute('#/tenants/t9/schemes/s1'))).toBe('t9');
    expect(routeTenant(parseRoute('#/platform/trunks'))).toBeNull();
    expect(routeTenant(parseRoute('#/tenants'))).toBeNull();
  });
});
