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
  });

  it('round-trips through href', () => {
    for (const route of [
      { name: 'login' },
      { name: 'routing' },
      { name: 'tenants', tenantId: null },
      { name: 'tenants', tenantId: '8c1e/ü' },
    ] as const) {
      expect(parseRoute(href(route))).toEqual(route);
    }
  });
});
