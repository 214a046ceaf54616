import { describe, expect, it } from 'vitest';
import { href, parseRoute, type Route } from './router';

describe('calls routes', () => {
  it('round-trips history, one call, active calls and a scheme with a call path', () => {
    const routes: Route[] = [
      { name: 'calls', tenantId: 't1', callId: null },
      { name: 'calls', tenantId: 't1', callId: 'c-1' },
      { name: 'activeCalls', tenantId: 't1' },
      { name: 'scheme', tenantId: 't1', schemeId: 's1', trace: { revision: 3, nodes: ['n1', 'n2'] } },
      { name: 'scheme', tenantId: 't1', schemeId: 's1', trace: { revision: null, nodes: ['n1'] } },
    ];
    for (const r of routes) expect(parseRoute(href(r))).toEqual(r);
    expect(href(routes[3])).toBe('#/tenants/t1/schemes/s1?revision=3&path=n1,n2');
  });

  it('drops a path with anything but node ids', () => {
    expect(parseRoute('#/tenants/t1/schemes/s1?path=<b>,ok')).toEqual({ name: 'scheme', tenantId: 't1', schemeId: 's1', trace: { revision: null, nodes: ['ok'] } });
    expect(parseRoute('#/tenants/t1/schemes/s1?revision=2')).toEqual({ name: 'scheme', tenantId: 't1', schemeId: 's1' });
    expect(parseRoute('#/tenants/t1/calls/a/b').name).toBe('notFound');
  });
});
