import type { User } from '../session';
import { useI18n } from '../i18n';
import { href, type Route } from '../router';
import { LanguageSwitcher } from './LanguageSwitcher';

export function Header({ user, route, onLogout }: { user: User; route: Route; onLogout: () => void }) {
  const { t } = useI18n();
  const links: { route: Route; label: string; active: boolean }[] = [
    { route: { name: 'tenants', tenantId: null }, label: t('nav.tenants'), active: route.name === 'tenants' },
    {
      route: user.tenant_id ? { name: 'schemes', tenantId: user.tenant_id } : { name: 'routing' },
      label: t('nav.routing'),
      active: route.name === 'routing' || route.name === 'schemes' || route.name === 'scheme',
    },
  ];
  return (
    <header className="app-header">
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
      <div className="app-header__user">
        <span data-testid="current-user" title={t('header.signedInAs', { login: user.login, role: user.role })}>
          {user.login}
        </span>
        <LanguageSwitcher />
        <button type="button" onClick={onLogout}>
          {t('header.logout')}
        </button>
      </div>
    </header>
  );
}
