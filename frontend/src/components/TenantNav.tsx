// The current tenant in the header: the operator's tenant switcher (or the tenant's name for
// everyone else) and the links to the tenant's management sections.
import { useEffect } from 'react';
import type { ApiClient, Page, Tenant } from '../api';
import { useI18n, type MessageKey } from '../i18n';
import { useCached } from '../manage/cache';
import { href, navigate, routeTenant, TENANT_SECTIONS, type Route, type TenantSection } from '../router';
import type { User } from '../session';

/** The tenant list the switcher and the tenant page share (one request). */
export const TENANTS_PATH = '/api/tenants?limit=500&order=name';

const LAST_TENANT = 'pbxflow.tenant';

function remembered(): string | null {
  try {
    return sessionStorage.getItem(LAST_TENANT);
  } catch {
    return null;
  }
}

function remember(id: string): void {
  try {
    sessionStorage.setItem(LAST_TENANT, id);
  } catch {
    /* storage unavailable */
  }
}

/** The tenant the header is about: the route's, else the user's own, else the one last visited. */
export function currentTenant(route: Route, user: Pick<User, 'tenant_id'>, last: string | null = remembered()): string | null {
  return routeTenant(route) ?? user.tenant_id ?? last;
}

/** Where the switcher goes for another tenant: the same kind of page. */
export function switchedRoute(route: Route, tenantId: string): Route {
  switch (route.name) {
    case 'manage':
      return { name: 'manage', tenantId, section: route.section, itemId: null };
    case 'schemes':
    case 'scheme':
      return { name: 'schemes', tenantId };
    case 'reports':
      return { name: 'reports', tenantId, view: route.view };
    case 'calls':
      return { name: 'calls', tenantId, callId: null };
    case 'activeCalls':
      return { name: 'activeCalls', tenantId };
    default:
      return { name: 'tenants', tenantId };
  }
}

export function TenantSwitcher({ client, user, route, tenantId }: { client: ApiClient; user: User; route: Route; tenantId: string | null }) {
  const { t } = useI18n();
  const list = useCached<Page<Tenant>>(client, TENANTS_PATH);
  const items = list.data?.items ?? [];

  useEffect(() => {
    const own = routeTenant(route);
    if (own) remember(own);
  }, [route]);

  if (user.tenant_id) {
    const own = items.find((x) => x.id === user.tenant_id);
    return (
      <span className="tenant-name" data-testid="current-tenant">
        {own?.name ?? ''}
      </span>
    );
  }
  const known = !tenantId || items.some((x) => x.id === tenantId);
  return (
    <label className="tenant-switcher">
      <span className="visually-hidden">{t('switcher.label')}</span>
      <select
        aria-label={t('switcher.label')}
        data-testid="tenant-switcher"
        value={tenantId ?? ''}
        onChange={(e) => e.target.value && navigate(switchedRoute(route, e.target.value))}
      >
        <option value="">{t('switcher.choose')}</option>
        {!known && tenantId && <option value={tenantId}>{tenantId.slice(0, 8)}</option>}
        {items.map((x) => (
          <option key={x.id} value={x.id}>
            {x.name}
          </option>
        ))}
      </select>
    </label>
  );
}

const SECTION_LABEL: Record<TenantSection, MessageKey> = {
  extensions: 'section.extensions',
  users: 'section.users',
  numbers: 'section.numbers',
  groups: 'section.groups',
  'pickup-groups': 'section.pickup-groups',
  'voicemail-boxes': 'section.voicemail-boxes',
  media: 'section.media',
  'voice-messages': 'section.voice-messages',
  schedules: 'section.schedules',
  'ivr-menus': 'section.ivr-menus',
  classifiers: 'section.classifiers',
  settings: 'section.settings',
};

/** The sections of a tenant, in the header's second row; "Routing" among them. */
export function TenantSections({ route, tenantId }: { route: Route; tenantId: string }) {
  const { t } = useI18n();
  const links: { to: Route; label: string; active: boolean; id: string }[] = TENANT_SECTIONS.filter((s) => s !== 'settings').map((section) => ({
    id: section,
    to: { name: 'manage', tenantId, section, itemId: null },
    label: t(SECTION_LABEL[section]),
    active: route.name === 'manage' && route.section === section,
  }));
  links.splice(0, 0, {
    id: 'routing',
    to: { name: 'schemes', tenantId },
    label: t('nav.routing'),
    active: route.name === 'schemes' || route.name === 'scheme',
  });
  links.push({
    id: 'reports',
    to: { name: 'reports', tenantId, view: 'dashboard' },
    label: t('nav.reports'),
    active: route.name === 'reports',
  });
  links.push(
    { id: 'calls', to: { name: 'calls', tenantId, callId: null }, label: t('nav.calls'), active: route.name === 'calls' },
    { id: 'active-calls', to: { name: 'activeCalls', tenantId }, label: t('nav.activeCalls'), active: route.name === 'activeCalls' },
  );
  links.push({
    id: 'settings',
    to: { name: 'manage', tenantId, section: 'settings', itemId: null },
    label: t(SECTION_LABEL.settings),
    active: route.name === 'manage' && route.section === 'settings',
  });
  return (
    <nav aria-label={t('nav.tenant')} className="tenant-nav" data-testid="tenant-nav">
      {links.map((link) => (
        <a key={link.id} href={href(link.to)} aria-current={link.active ? 'page' : undefined}>
          {link.label}
        </a>
      ))}
    </nav>
  );
}
