// The reports section of a tenant (F-REP): its views in tabs and the period they share.
// Loaded lazily (App.tsx), so the charting library stays out of the main bundle.
import { useState } from 'react';
import type { ApiClient } from '../../api';
import { useI18n } from '../../i18n';
import { href, REPORT_VIEWS, type ReportView } from '../../router';
import { CallHistory } from './CallHistory';
import { ContactCentre } from './ContactCentre';
import { Dashboard } from './Dashboard';
import { Forecast } from './Forecast';
import { PeriodPicker } from './PeriodPicker';
import type { Period } from './query';
import './reports.css';

interface Props {
  client: ApiClient;
  tenantId: string;
  view: ReportView;
}

export default function ReportsPage({ client, tenantId, view }: Props) {
  const { t } = useI18n();
  const [period, setPeriod] = useState<Period>({ preset: '7d', from: '', to: '' });
  const shared = { client, tenantId, period };
  return (
    <main className="reports" data-testid="reports">
      <div className="reports__head">
        <h1>{t('reports.title')}</h1>
        <nav className="report-tabs" aria-label={t('reports.nav')}>
          {REPORT_VIEWS.map((v) => (
            <a key={v} href={href({ name: 'reports', tenantId, view: v })} aria-current={v === view ? 'page' : undefined}>
              {t(`reports.view.${v}`)}
            </a>
          ))}
        </nav>
      </div>
      <PeriodPicker period={period} onChange={setPeriod} />
      {view === 'dashboard' && <Dashboard {...shared} />}
      {view === 'calls' && <CallHistory {...shared} />}
      {view === 'contact-centre' && <ContactCentre {...shared} />}
      {view === 'forecast' && <Forecast {...shared} />}
    </main>
  );
}
