// Management pages: a tenant's collections (#/tenants/<id>/<section>[/<item>|/new]), the
// tenant's settings (#/tenants/<id>/settings) and the operator's platform collections
// (#/platform/tenants|numbers|trunks).
import type { ApiClient } from '../api';
import { useI18n } from '../i18n';
import { setFlash } from '../manage/flash';
import { ResourceForm } from '../manage/ResourceForm';
import { ResourceList } from '../manage/ResourceList';
import { useRefs } from '../manage/refs';
import { isOperator, PLATFORM_SPECS, TENANT_SPECS, tenants } from '../manage/specs';
import type { Ctx, ResourceSpec } from '../manage/types';
import { href, navigate, NEW_ITEM, type Route, type TenantSection } from '../router';
import type { User } from '../session';

type ManageRoute = Extract<Route, { name: 'manage' | 'platform' }>;

interface Props {
  client: ApiClient;
  user: User;
  route: ManageRoute;
}

export function ManagePage({ client, user, route }: Props) {
  const { t } = useI18n();

  if (route.name === 'platform' && !isOperator(user)) {
    return (
      <main className="manage">
        <div className="notice">{t('manage.operatorsOnly')}</div>
      </main>
    );
  }

  if (route.name === 'manage' && route.section === 'settings') {
    const listHref = isOperator(user) ? href({ name: 'platform', section: 'tenants', itemId: null }) : null;
    return (
      <main className="manage">
        <ResourceForm
          key={`settings/${route.tenantId}`}
          spec={tenants}
          client={client}
          base={{ user, tenantId: route.tenantId, t }}
          itemId={route.tenantId}
          listHref={listHref}
          onCreated={() => {}}
          onDeleted={(item) => {
            setFlash(t('manage.deleted', { what: tenants.describe(item) }));
            navigate({ name: 'platform', section: 'tenants', itemId: null });
          }}
        />
      </main>
    );
  }

  const spec: ResourceSpec =
    route.name === 'platform' ? PLATFORM_SPECS[route.section] : TENANT_SPECS[route.section as Exclude<TenantSection, 'settings'>];
  const tenantId = route.name === 'manage' ? route.tenantId : null;
  const at = (itemId: string | null): Route =>
    route.name === 'platform'
      ? route.section === 'tenants' && itemId && itemId !== NEW_ITEM
        ? { name: 'manage', tenantId: itemId, section: 'settings', itemId: null }
        : { name: 'platform', section: route.section, itemId }
      : { name: 'manage', tenantId: route.tenantId, section: route.section, itemId };

  return (
    <main className="manage">
      {route.itemId === null ? (
        <ListPage key={`${spec.key}/${tenantId ?? ''}`} spec={spec} client={client} user={user} tenantId={tenantId} at={at} />
      ) : (
        <ResourceForm
          key={`${spec.key}/${tenantId ?? ''}/${route.itemId}`}
          spec={spec}
          client={client}
          base={{ user, tenantId, t }}
          itemId={route.itemId === NEW_ITEM ? null : route.itemId}
          listHref={href(at(null))}
          onCreated={(item) => {
            setFlash(t('manage.created', { what: spec.describe(item) }));
            navigate(at(item.id), { replace: true });
          }}
          onDeleted={(item) => {
            setFlash(t('manage.deleted', { what: spec.describe(item) }));
            navigate(at(null));
          }}
        />
      )}
    </main>
  );
}

function ListPage({
  spec,
  client,
  user,
  tenantId,
  at,
}: {
  spec: ResourceSpec;
  client: ApiClient;
  user: User;
  tenantId: string | null;
  at: (itemId: string | null) => Route;
}) {
  const { t } = useI18n();
  const { refs } = useRefs(client, tenantId, spec.refs);
  const ctx: Ctx = { user, tenantId, t, refs, editing: false };
  return <ResourceList spec={spec} client={client} ctx={ctx} itemHref={(id) => href(at(id))} newHref={href(at(NEW_ITEM))} />;
}
