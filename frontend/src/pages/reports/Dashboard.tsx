// The dashboard (F-REP-2): calls per hour and per day (answered/missed stacked), line
// occupancy, the busiest users and the missed calls nobody called back.
import type { ApiClient } from '../../api';
import { ProblemAlert } from '../../components/ProblemAlert';
import { useI18n } from '../../i18n';
import { useApi } from '../../useApi';
import { Chart } from './Chart';
import { tableCsv } from './csv';
import { columnLabel, DataTable } from './DataTable';
import { periodParams, periodProblem, reportPath, type Period } from './query';
import { columnsOf, pivot, rowsOf, seriesOf, toNumber, type Row } from './series';

const MAX_HOURS = 24 * 7;

export interface DashboardData {
  per_hour: Row[];
  per_day: Row[];
  answered: number;
  missed: number;
  missed_not_called_back: Row[];
  line_occupancy: Row[];
  busiest_users: Row[];
}

/** The share of answered calls in percent, one decimal (null without calls). */
export function answeredShare(answered: number, missed: number): number | null {
  const total = answered + missed;
  return total > 0 ? Math.round((answered / total) * 1000) / 10 : null;
}

function CsvButton({ name, columns, rows }: { name: string; columns: string[]; rows: Row[] }) {
  const { t } = useI18n();
  return (
    <button
      type="button"
      disabled={rows.length === 0}
      onClick={() => {
        const csv = tableCsv(columns.map((key) => ({ key, title: columnLabel(t, key) })), rows);
        const url = URL.createObjectURL(new Blob([csv], { type: 'text/csv;charset=utf-8' }));
        const a = document.createElement('a');
        a.href = url;
        a.download = `${name}.csv`;
        document.body.append(a);
        a.click();
        a.remove();
        setTimeout(() => URL.revokeObjectURL(url), 30_000);
      }}
    >
      {t('reports.exportAs', { format: 'CSV' })}
    </button>
  );
}

export function Dashboard({ client, tenantId, period }: { client: ApiClient; tenantId: string; period: Period }) {
  const { t } = useI18n();
  const path = periodProblem(period) ? null : reportPath(tenantId, 'dashboard', periodParams(period));
  const { data, problem, loading, reload } = useApi<DashboardData>(path ? () => client.request('GET', path) : null, path ?? '');
  if (problem) return <ProblemAlert problem={problem} onRetry={reload} />;
  if (!data) return loading ? <p className="muted">{t('common.loading')}</p> : null;

  const label = (key: string) => (key === 'answered' ? t('dash.answered') : key === 'missed' ? t('dash.missed') : key);
  const answered = toNumber(data.answered);
  const missed = toNumber(data.missed);
  const share = answeredShare(answered, missed);
  const busiest = rowsOf(data.busiest_users);
  const notCalledBack = rowsOf(data.missed_not_called_back);
  const busiestCols = columnsOf(busiest, ['user', 'name', 'calls', 'talk_seconds']);
  const timeOnly = period.preset === 'today';
  const perHour = rowsOf(data.per_hour);
  const missedCols = columnsOf(notCalledBack, ['caller', 'last_missed_at', 'attempts']);
  return (
    <div className="dashboard" data-testid="dashboard">
      <dl className="report-summary">
        <div>
          <dt>{t('dash.answered')}</dt>
          <dd data-testid="dash-answered">{answered}</dd>
        </div>
        <div>
          <dt>{t('dash.missed')}</dt>
          <dd data-testid="dash-missed">{missed}</dd>
        </div>
        {share !== null && <div className="muted">{t('dash.answeredShare', { share })}</div>}
      </dl>
      <div className="report-charts">
        {/* Hour by hour reads for up to a week; longer periods are read by day. */}
        {perHour.length <= MAX_HOURS && (
          <Chart title={t('dash.perHour')} series={seriesOf(perHour, ['hour'], ['answered', 'missed'], timeOnly)} stacked label={label} />
        )}
        {period.preset !== 'today' && (
          <Chart title={t('dash.perDay')} series={seriesOf(rowsOf(data.per_day), ['day'], ['answered', 'missed'])} stacked label={label} />
        )}
        <Chart title={t('dash.occupancy')} series={pivot(rowsOf(data.line_occupancy), 'start', 'line', 'max_lines', timeOnly)} />
      </div>
      <DataTable
        testId="busiest-users"
        caption={t('dash.busiest')}
        columns={busiestCols}
        rows={busiest}
        actions={<CsvButton name="busiest-users" columns={busiestCols} rows={busiest} />}
      />
      <DataTable
        testId="missed-not-called-back"
        caption={t('dash.notCalledBack')}
        columns={missedCols}
        rows={notCalledBack}
        actions={<CsvButton name="missed-not-called-back" columns={missedCols} rows={notCalledBack} />}
      />
    </div>
  );
}
