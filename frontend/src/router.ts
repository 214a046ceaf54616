// Hash routing (#/tenants/…): works from any URL the backend serves index.html for.
import { useSyncExternalStore } from 'react';

export type Route =
  | { name: 'login' }
  | { name: 'tenants'; tenantId: string | null }
  | { name: 'routing' }
  | { name: 'schemes'; tenantId: string }
  | { name: 'scheme'; tenantId: string; schemeId: string }
  | { name: 'notFound'; path: string };

/** The route of a location hash such as "#/tenants/42". */
export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '').replace(/\/+$/, '') || '/';
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
    if (rest.length === 2) return { name: 'scheme', tenantId: id, schemeId: rest[1] };
  }
  return { name: 'notFound', path };
}

export function href(route: Route): string {
  switch (route.name) {
    case 'login':
      return '#/login';
    case 'routing':
      return '#/routing';
    case 'tenants':
      return route.tenantId ? `#/tenants/${encodeURIComponent(route.tenantId)}` : '#/tenants';
    case 'schemes':
      return `#/tenants/${encodeURIComponent(route.tenantId)}/schemes`;
    case 'scheme':
      return `#/tenants/${encodeURIComponent(route.tenantId)}/schemes/${encodeURIComponent(route.schemeId)}`;
    case 'notFound':
      return `#${route.path}`;
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
