import type { ApiClient } from '../api';
import type { User } from '../session';
import { useI18n } from '../i18n';
import { isOperator } from '../manage/specs';
import { href, type Route } from '../router';
import { LanguageSwitcher } from './LanguageSwitcher';
import { currentTenant, TenantSections, TenantSwitcher } from './TenantNav';

export function Header({ client, user, route, onLogout }: { client: ApiClient; user: User; route: Route; onLogout: () => void }) {
  const { t } = useI18n();
  const tenantId = currentTenant(route, user);
  const operator = isOperator(user);
  const links: { route: Route; label: string; active: boolean }[] = [
    { route: { name: 'tenants', tenantId: null }, label: t('nav.tenants'), active: route.name === 'tenants' },
  ];
  if (operator) {
    links.push(
      {
        route: { name: 'platform', section: 'tenants', itemId: null },
        label: t('nav.manageTenants'),
        active: route.name === 'platform' && route.section === 'tenants',
      },
      {
        route: { name: 'platform', section: 'numbers', itemId: null },
        label: t('nav.pool'),
        active: route.name === 'platform' && route.section === 'numbers',
      },
      {
        route: { name: 'platform', section: 'trunks', itemId: null },
        label: t('nav.trunks'),
        active: route.name === 'platform' && route.section === 'trunks',
      },
    );
  }
  // Without a tenant yet, "Routing" picks one first.
  if (!tenantId) links.push({ route: { name: 'routing' }, label: t('nav.routing'), active: route.name === 'routing' });
  return (
    <header className="app-header">
      <div className="app-header__row">
        <a className="app-header__brand" href={href({ name: 'tenants', tenantId: null })}>
          {t('app.name')}
        </a>
        <nav aria-label={t('nav.main')} className="app-header__nav">
          {links.map((link) => (
            <a key={link.label} href={href(link.route)} aria-current={link.active ? 'page' : undefined}>
              {link.label}
            </a>
          ))}
        </nav>
        <TenantSwitcher client={client} user={user} route={route} tenantId={tenantId} />
        <div className="app-header__user">
          <span data-testid="current-user" title={t('header.signedInAs', { login: user.login, role: user.role })}>
            {user.login}
          </span>
          <LanguageSwitcher />
          <button type="button" onClick={onLogout}>
            {t('header.logout')}
          </button>
        </div>
      </div>
      {tenantId && <TenantSections route={route} tenantId={tenantId} />}
    </header>
  );
}
