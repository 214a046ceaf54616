// Hash routing (#/tenants/…): works from any URL the backend serves index.html for.
import { useSyncExternalStore } from 'react';

/** A tenant's management sections (#/tenants/<id>/<section>[/<item>]); "settings" is the tenant itself. */
export const TENANT_SECTIONS = [
  'extensions',
  'users',
  'numbers',
  'groups',
  'pickup-groups',
  'voicemail-boxes',
  'media',
  'voice-messages',
  'schedules',
  'ivr-menus',
  'classifiers',
  'settings',
] as const;
export type TenantSection = (typeof TENANT_SECTIONS)[number];

/** The platform operator's sections (#/platform/<section>[/<item>]). */
export const PLATFORM_SECTIONS = ['tenants', 'numbers', 'trunks'] as const;
export type PlatformSection = (typeof PLATFORM_SECTIONS)[number];

/** A tenant's reports (#/tenants/<id>/reports/<view>). */
export const REPORT_VIEWS = ['dashboard', 'calls', 'contact-centre', 'forecast'] as const;
export type ReportView = (typeof REPORT_VIEWS)[number];

export function isReportView(value: string | undefined): value is ReportView {
  return (REPORT_VIEWS as readonly (string | undefined)[]).includes(value);
}

/** The item id of a create form: #/tenants/<id>/extensions/new. */
export const NEW_ITEM = 'new';

export type Route =
  | { name: 'login' }
  | { name: 'tenants'; tenantId: string | null }
  | { name: 'routing' }
  | { name: 'schemes'; tenantId: string }
  | { name: 'scheme'; tenantId: string; schemeId: string; trace?: SchemeTraceRef }
  | { name: 'manage'; tenantId: string; section: TenantSection; itemId: string | null }
  | { name: 'platform'; section: PlatformSection; itemId: string | null }
  | { name: 'reports'; tenantId: string; view: ReportView }
  | { name: 'calls'; tenantId: string; callId: string | null }
  | { name: 'activeCalls'; tenantId: string }
  | { name: 'notFound'; path: string };

/** A call's path through a scheme revision, highlighted in the editor (#/tenants/<id>/schemes/<id>?revision=3&path=n1,n2). */
export interface SchemeTraceRef {
  revision: number | null;
  nodes: string[];
}

function traceOf(query: string): { trace?: SchemeTraceRef } {
  const q = new URLSearchParams(query);
  const nodes = (q.get('path') ?? '').split(',').filter((n) => /^[A-Za-z0-9_-]{1,64}$/.test(n));
  if (!nodes.length) return {};
  const rev = Number(q.get('revision'));
  return { trace: { revision: Number.isInteger(rev) && rev > 0 ? rev : null, nodes } };
}

export function isTenantSection(value: string | undefined): value is TenantSection {
  return (TENANT_SECTIONS as readonly (string | undefined)[]).includes(value);
}

export function isPlatformSection(value: string | undefined): value is PlatformSection {
  return (PLATFORM_SECTIONS as readonly (string | undefined)[]).includes(value);
}

/** The route of a location hash such as "#/tenants/42". */
export function parseRoute(hash: string): Route {
  const [rawPath, query = ''] = hash.replace(/^#/, '').split('?', 2);
  const path = rawPath.replace(/\/+$/, '') || '/';
  const parts = path.split('/').filter(Boolean).map((p) => {
    try {
      return decodeURIComponent(p);
    } catch {
      return p;
    }
  });
  if (parts.length === 0) return { name: 'tenants', tenantId: null };
  const [head, id, ...rest] = parts;
  if (head === 'login' && parts.length === 1) return { name: 'login' };
  if (head === 'routing' && parts.length === 1) return { name: 'routing' };
  if (head === 'tenants' && rest.length === 0) return { name: 'tenants', tenantId: id ?? null };
  if (head === 'tenants' && id && rest[0] === 'schemes') {
    if (rest.length === 1) return { name: 'schemes', tenantId: id };
    if (rest.length === 2) return { name: 'scheme', tenantId: id, schemeId: rest[1], ...traceOf(query) };
  }
  if (head === 'tenants' && id && rest[0] === 'reports') {
    if (rest.length === 1) return { name: 'reports', tenantId: id, view: 'dashboard' };
    if (rest.length === 2 && isReportView(rest[1])) return { name: 'reports', tenantId: id, view: rest[1] };
  }
  if (head === 'tenants' && id && rest[0] === 'calls' && rest.length <= 2) return { name: 'calls', tenantId: id, callId: rest[1] ?? null };
  if (head === 'tenants' && id && rest[0] === 'active-calls' && rest.length === 1) return { name: 'activeCalls', tenantId: id };
  if (head === 'tenants' && id && isTenantSection(rest[0])) {
    if (rest[0] === 'settings' && rest.length === 1) return { name: 'manage', tenantId: id, section: 'settings', itemId: null };
    if (rest[0] !== 'settings' && rest.length <= 2) {
      return { name: 'manage', tenantId: id, section: rest[0], itemId: rest[1] ?? null };
    }
  }
  if (head === 'platform' && isPlatformSection(id) && rest.length <= 1) {
    return { name: 'platform', section: id, itemId: rest[0] ?? null };
  }
  return { name: 'notFound', path };
}

const enc = encodeURIComponent;

export function href(route: Route): string {
  switch (route.name) {
    case 'login':
      return '#/login';
    case 'routing':
      return '#/routing';
    case 'tenants':
      return route.tenantId ? `#/tenants/${enc(route.tenantId)}` : '#/tenants';
    case 'schemes':
      return `#/tenants/${enc(route.tenantId)}/schemes`;
    case 'scheme': {
      const base = `#/tenants/${enc(route.tenantId)}/schemes/${enc(route.schemeId)}`;
      if (!route.trace?.nodes.length) return base;
      const rev = route.trace.revision ? `revision=${route.trace.revision}&` : '';
      return `${base}?${rev}path=${route.trace.nodes.map(enc).join(',')}`;
    }
    case 'calls':
      return `#/tenants/${enc(route.tenantId)}/calls` + (route.callId ? `/${enc(route.callId)}` : '');
    case 'activeCalls':
      return `#/tenants/${enc(route.tenantId)}/active-calls`;
    case 'manage': {
      const base = `#/tenants/${enc(route.tenantId)}/${route.section}`;
      return route.itemId && route.section !== 'settings' ? `${base}/${enc(route.itemId)}` : base;
    }
    case 'reports':
      return `#/tenants/${enc(route.tenantId)}/reports/${route.view}`;
    case 'platform':
      return route.itemId ? `#/platform/${route.section}/${enc(route.itemId)}` : `#/platform/${route.section}`;
    case 'notFound':
      return `#${route.path}`;
  }
}

/** The tenant a route is about, if any. */
export function routeTenant(route: Route): string | null {
  switch (route.name) {
    case 'tenants':
      return route.tenantId;
    case 'schemes':
    case 'scheme':
    case 'manage':
    case 'reports':
    case 'calls':
    case 'activeCalls':
      return route.tenantId;
    default:
      return null;
  }
}

export function navigate(route: Route, { replace = false } = {}): void {
  const target = href(route);
  if (replace) window.location.replace(target);
  else window.location.hash = target;
}

function subscribe(callback: () => void): () => void {
  window.addEventListener('hashchange', callback);
  return () => window.removeEventListener('hashchange', callback);
}

export function useRoute(): Route {
  const hash = useSyncExternalStore(subscribe, () => window.location.hash);
  return parseRoute(hash);
}
