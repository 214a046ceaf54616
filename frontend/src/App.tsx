import { lazy, Suspense, useEffect, useSyncExternalStore } from 'react';
import { api as defaultApi, type ApiClient } from './api';
import { Header } from './components/Header';
import { useI18n } from './i18n';
import { LoginPage } from './pages/LoginPage';
import { ActiveCallsPage } from './pages/calls/ActiveCallsPage';
import { CallDetailPage } from './pages/calls/CallDetailPage';
import { CallHistoryPage } from './pages/calls/CallHistoryPage';
import { ManagePage } from './pages/ManagePage';
import { RoutingPage } from './pages/RoutingPage';
import { SchemeEditorPage } from './pages/SchemeEditorPage';
import { SchemesPage } from './pages/SchemesPage';
import { TenantsPage } from './pages/TenantsPage';
import { href, navigate, useRoute } from './router';
import { session as defaultSession, type SessionStore } from './session';

// The reports and their charting library load only when a report is opened.
const ReportsPage = lazy(() => import('./pages/reports/ReportsPage'));

export function App({ client = defaultApi, store = defaultSession }: { client?: ApiClient; store?: SessionStore }) {
  const current = useSyncExternalStore(store.subscribe, store.get);
  const route = useRoute();
  const { t } = useI18n();

  // After signing in, leave #/login for the tenant list.
  useEffect(() => {
    if (current && route.name === 'login') navigate({ name: 'tenants', tenantId: null }, { replace: true });
  }, [current, route.name]);

  if (!current) return <LoginPage client={client} expired={store.endReason === 'expired'} />;

  let page;
  switch (route.name) {
    case 'login':
    case 'tenants':
      page = <TenantsPage client={client} tenantId={route.name === 'tenants' ? route.tenantId : null} />;
      break;
    case 'routing':
      page = <RoutingPage client={client} user={current.user} />;
      break;
    case 'schemes':
      page = <SchemesPage key={route.tenantId} client={client} user={current.user} tenantId={route.tenantId} />;
      break;
    case 'scheme':
      page = (
        <SchemeEditorPage
          key={`${route.tenantId}/${route.schemeId}`}
          client={client}
          user={current.user}
          tenantId={route.tenantId}
          schemeId={route.schemeId}
          trace={route.trace}
        />
      );
      break;
    case 'manage':
    case 'platform':
      page = <ManagePage client={client} user={current.user} route={route} />;
      break;
    case 'reports':
      page = (
        <Suspense fallback={<main className="reports muted">{t('common.loading')}</main>}>
          <ReportsPage key={route.tenantId} client={client} tenantId={route.tenantId} view={route.view} />
        </Suspense>
      );
      break;
    case 'calls':
      page = route.callId ? (
        <CallDetailPage key={route.callId} client={client} tenantId={route.tenantId} callId={route.callId} />
      ) : (
        <CallHistoryPage key={route.tenantId} client={client} tenantId={route.tenantId} />
      );
      break;
    case 'activeCalls':
      page = <ActiveCallsPage key={route.tenantId} client={client} user={current.user} tenantId={route.tenantId} />;
      break;
    case 'notFound':
      page = (
        <main className="not-found">
          <h1>{t('notFound.title')}</h1>
          <a href={href({ name: 'tenants', tenantId: null })}>{t('notFound.back')}</a>
        </main>
      );
      break;
  }
  return (
    <div className="app">
      <Header client={client} user={current.user} route={route} onLogout={() => void client.logout()} />
      {page}
    </div>
  );
}
