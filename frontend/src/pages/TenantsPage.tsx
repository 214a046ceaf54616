import { useEffect, useState } from 'react';
import type { ApiClient, Device, Page, Tenant } from '../api';
import { ProblemAlert } from '../components/ProblemAlert';
import { TENANTS_PATH } from '../components/TenantNav';
import { useI18n, type MessageKey } from '../i18n';
import { useCached } from '../manage/cache';
import { href, navigate, TENANT_SECTIONS } from '../router';
import { useApi } from '../useApi';

export function TenantsPage({ client, tenantId }: { client: ApiClient; tenantId: string | null }) {
  const { t } = useI18n();
  // Shared with the header's tenant switcher: one request (client.tenants()'s).
  const tenants = useCached<Page<Tenant>>(client, TENANTS_PATH);
  const items = tenants.data?.items ?? [];
  const selected = tenantId ? items.find((item) => item.id === tenantId) : undefined;

  // A tenant's own admin sees exactly one tenant: open it straight away.
  useEffect(() => {
    if (!tenantId && tenants.data?.items.length === 1) {
      navigate({ name: 'tenants', tenantId: tenants.data.items[0].id }, { replace: true });
    }
  }, [tenantId, tenants.data]);

  return (
    <main className="tenants">
      <section className="tenants__list" aria-labelledby="tenants-title">
        <h1 id="tenants-title">
          {t('tenants.title')}
          {tenants.data && (
            <span className="count">{t('tenants.count', { shown: items.length, total: tenants.data.total })}</span>
          )}
        </h1>
        {tenants.loading && <p className="muted">{t('common.loading')}</p>}
        {tenants.problem && <ProblemAlert problem={tenants.problem} onRetry={tenants.reload} />}
        {tenants.data && items.length === 0 && <p className="muted">{t('tenants.empty')}</p>}
        {items.length > 0 && (
          <ul className="tenant-list" data-testid="tenant-list">
            {items.map((tenant) => (
              <li key={tenant.id}>
                <a
                  href={href({ name: 'tenants', tenantId: tenant.id })}
                  aria-current={tenant.id === tenantId ? 'true' : undefined}
                >
                  <span className="tenant-list__name">{tenant.name}</span>
                  <span className="tenant-list__meta">
                    {tenant.code} · {tenant.timezone}
                  </span>
                </a>
              </li>
            ))}
          </ul>
        )}
      </section>
      <section className="tenants__detail">
        {tenantId ? (
          <Extensions client={client} tenantId={tenantId} tenant={selected} />
        ) : (
          tenants.data && items.length > 1 && <p className="muted">{t('tenants.select')}</p>
        )}
      </section>
    </main>
  );
}

function Extensions({ client, tenantId, tenant }: { client: ApiClient; tenantId: string; tenant?: Tenant }) {
  const { t } = useI18n();
  const extensions = useApi(() => client.extensions(tenantId), `extensions:${tenantId}`);
  const items = extensions.data?.items ?? [];
  return (
    <>
      <h2>{t('extensions.title', { tenant: tenant?.name ?? tenantId })}</h2>
      <p>
        <a href={href({ name: 'schemes', tenantId })}>{t('schemes.open')}</a>
      </p>
      <ul className="section-links" aria-label={t('nav.tenant')}>
        {TENANT_SECTIONS.map((section) => (
          <li key={section}>
            <a href={href({ name: 'manage', tenantId, section, itemId: null })}>{t(`section.${section}` as MessageKey)}</a>
          </li>
        ))}
      </ul>
      {tenant && (
        <dl className="tenant-facts">
          <dt>{t('tenants.code')}</dt>
          <dd>{tenant.code}</dd>
          <dt>{t('tenants.timezone')}</dt>
          <dd>{tenant.timezone}</dd>
        </dl>
      )}
      {extensions.loading && <p className="muted">{t('common.loading')}</p>}
      {extensions.problem && <ProblemAlert problem={extensions.problem} onRetry={extensions.reload} />}
      {extensions.data && items.length === 0 && <p className="muted">{t('extensions.empty')}</p>}
      {items.length > 0 && (
        <table className="extensions" data-testid="extensions">
          <thead>
            <tr>
              <th scope="col">{t('extensions.number')}</th>
              <th scope="col">{t('extensions.name')}</th>
              <th scope="col">{t('extensions.devices')}</th>
            </tr>
          </thead>
          <tbody>
            {items.map((ext) => (
              <tr key={ext.id}>
                <td className="mono">{ext.number}</td>
                <td>{ext.name}</td>
                <td>
                  <ul className="devices">
                    {ext.devices.map((device, i) => (
                      <DeviceLine key={device.id ?? i} device={device} />
                    ))}
                  </ul>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

function DeviceLine({ device }: { device: Device }) {
  const { t } = useI18n();
  const [reveal, setReveal] = useState(false);
  const kind = device.type === 'sip' || device.type === 'external' ? t(`device.${device.type}` as MessageKey) : device.type;
  return (
    <li className={device.enabled === false ? 'is-disabled' : undefined}>
      <span className="badge">{kind}</span> <span className="mono">{device.username ?? device.number ?? '—'}</span>
      {device.password && (
        <>
          {' '}
          <span className="mono secret">{reveal ? device.password : '••••••••'}</span>{' '}
          <button type="button" className="link-button" onClick={() => setReveal((r) => !r)}>
            {reveal ? t('device.hidePassword') : t('device.showPassword')}
          </button>
        </>
      )}
    </li>
  );
}
