import { describe, expect, it } from 'vitest';
import { switchedRoute } from './components/TenantNav';
import { href, parseRoute, REPORT_VIEWS, routeTenant } from './router';

describe('report routes', () => {
  it('parses and builds #/tenants/<id>/reports/<view>, the dashboard by default', () => {
    expect(parseRoute('#/tenants/t1/reports')).toEqual({ name: 'reports', tenantId: 't1', view: 'dashboard' });
    for (const view of REPORT_VIEWS) {
      const route = parseRoute(`#/tenants/t1/reports/${view}`);
      expect(route).toEqual({ name: 'reports', tenantId: 't1', view });
      expect(href(route)).toBe(`#/tenants/t1/reports/${view}`);
    }
    expect(parseRoute('#/tenants/t1/reports/nope').name).toBe('notFound');
    expect(parseRoute('#/tenants/t1/reports/calls/x').name).toBe('notFound');
  });

  it('belongs to its tenant, and the switcher keeps the report', () => {
    const route = parseRoute('#/tenants/t1/reports/forecast');
    expect(routeTenant(route)).toBe('t1');
    expect(switchedRoute(route, 't2')).toEqual({ name: 'reports', tenantId: 't2', view: 'forecast' });
  });
});
