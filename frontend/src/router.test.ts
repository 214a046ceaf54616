import { describe, expect, it } from 'vitest';
import { href, parseRoute } from './router';

describe('parseRoute', () => {
  it('maps hashes to routes', () => {
    expect(parseRoute('')).toEqual({ name: 'tenants', tenantId: null });
    expect(parseRoute('#/')).toEqual({ name: 'tenants', tenantId: null });
    expect(parseRoute('#/login')).toEqual({ name: 'login' });
    expect(parseRoute('#/tenants/')).toEqual({ name: 'tenants', tenantId: null });
    expect(parseRoute('#/tenants/a%2Fb')).toEqual({ name: 'tenants', tenantId: 'a/b' });
    expect(parseRoute('#/routing')).toEqual({ name: 'routing' });
    expect(parseRoute('#/tenants/1/extra')).toEqual({ name: 'notFound', path: '/tenants/1/extra' });
    expect(parseRoute('#/tenants/t1/schemes')).toEqual({ name: 'schemes', tenantId: 't1' });
    expect(parseRoute('#/tenants/t1/schemes/s%2F1')).toEqual({ name: 'scheme', tenantId: 't1', schemeId: 's/1' });
    expect(parseRoute('#/tenants/t1/schemes/s1/x')).toEqual({ name: 'notFound', path: '/tenants/t1/schemes/s1/x' });
  });

  it('round-trips through href', () => {
    for (const route of [
      { name: 'login' },
      { name: 'routing' },
      { name: 'tenants', tenantId: null },
      { name: 'tenants', tenantId: '8c1e/ü' },
      { name: 'schemes', tenantId: 't 1' },
      { name: 'scheme', tenantId: 't1', schemeId: '4254fdf6-232f' },
    ] as const) {
      expect(parseRoute(href(route))).toEqual(route);
    }
  });
});
