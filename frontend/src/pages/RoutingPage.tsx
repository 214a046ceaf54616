// "Routing" in the header: a tenant's user goes straight to the tenant's schemes; a
// platform operator first picks the tenant.
import { useEffect } from 'react';
import type { ApiClient, Page, Tenant } from '../api';
import { TENANTS_PATH } from '../components/TenantNav';
import { useCached } from '../manage/cache';
import { ProblemAlert } from '../components/ProblemAlert';
import { useI18n } from '../i18n';
import { href, navigate } from '../router';
import type { User } from '../session';

export function RoutingPage({ client, user }: { client: ApiClient; user: User }) {
  const { t } = useI18n();
  const own = user.tenant_id;
  const tenants = useCached<Page<Tenant>>(client, own ? null : TENANTS_PATH);

  useEffect(() => {
    if (own) navigate({ name: 'schemes', tenantId: own }, { replace: true });
  }, [own]);
  useEffect(() => {
    const items = tenants.data?.items;
    if (items?.length === 1) navigate({ name: 'schemes', tenantId: items[0].id }, { replace: true });
  }, [tenants.data]);

  if (own) return <main className="routing-pick" />;
  return (
    <main className="routing-pick">
      <h1>{t('routing.title')}</h1>
      <p className="muted">{t('routing.pickTenant')}</p>
      {tenants.loading && <p className="muted">{t('common.loading')}</p>}
      {tenants.problem && <ProblemAlert problem={tenants.problem} onRetry={tenants.reload} />}
      {tenants.data && (
        <ul className="tenant-list">
          {tenants.data.items.map((tenant) => (
            <li key={tenant.id}>
              <a href={href({ name: 'schemes', tenantId: tenant.id })}>
                <span className="tenant-list__name">{tenant.name}</span>
                <span className="tenant-list__meta">{tenant.code}</span>
              </a>
            </li>
          ))}
        </ul>
      )}
    </main>
  );
}
