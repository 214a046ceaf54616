// Contact-centre reports (F-REP-3) on one page: a report picker, the filters that report
// takes, its chart where one means something, its table and CSV/XLSX export.
import { useState } from 'react';
import type { ApiClient } from '../../api';
import { ProblemAlert } from '../../components/ProblemAlert';
import { useI18n } from '../../i18n';
import { useApi } from '../../useApi';
import { CC_REPORTS, CC_SPECS, ccApiName, ccParams, CHRONOLOGY_PARAMETERS, DEFAULT_CC_FILTERS, INTERVALS, missingFilter, type CcFilters, type CcReport } from './catalog';
import { Chart } from './Chart';
import { columnLabel, DataTable } from './DataTable';
import { ExportButtons } from './ExportButtons';
import { GroupSelect, ExtensionSelect } from './pickers';
import { periodProblem, reportPath, type Period } from './query';
import { chartRows, columnsOf, rowsOf, seriesOf, type Row, type Series } from './series';

/** The chart of a report's rows by its spec, total rows left out (null: the report has no chart). */
export function ccSeries(report: CcReport, rows: Row[]): Series | null {
  const chart = CC_SPECS[report].chart;
  return chart ? seriesOf(chartRows(rows), chart.x, chart.y) : null;
}

export function ContactCentre({ client, tenantId, period }: { client: ApiClient; tenantId: string; period: Period }) {
  const { t } = useI18n();
  const [report, setReport] = useState<CcReport>('comparison');
  const [filters, setFilters] = useState<CcFilters>(DEFAULT_CC_FILTERS);
  const spec = CC_SPECS[report];
  const missing = missingFilter(report, filters);
  const qosBad = spec.filters.includes('qos_seconds') && !/^\d+$/.test(filters.qos_seconds);
  const ready = !missing && !qosBad && !periodProblem(period);
  const name = ccApiName(report, filters);
  const params = ccParams(report, period, filters);
  const path = ready ? reportPath(tenantId, name, params) : null;
  const { data, problem, loading, reload } = useApi<unknown>(path ? () => client.request('GET', path) : null, path ?? '');
  const rows = rowsOf(data);
  const series = ccSeries(report, rows);
  const set = (patch: Partial<CcFilters>) => setFilters((f) => ({ ...f, ...patch }));
  const has = (f: string) => (spec.filters as readonly string[]).includes(f);

  return (
    <div className="contact-centre" data-testid="contact-centre">
      <div className="report-filters">
        <label className="report-filter">
          <span>{t('cc.report')}</span>
          <select aria-label={t('cc.report')} value={report} onChange={(e) => setReport(e.target.value as CcReport)}>
            {CC_REPORTS.map((r) => (
              <option key={r} value={r}>
                {t(`cc.${r}`)}
              </option>
            ))}
          </select>
        </label>
        {has('group') && (
          <GroupSelect by="id" client={client} tenantId={tenantId} label={t('cc.group')} value={filters.group} onChange={(group) => set({ group })} invalid={missing === 'group'} />
        )}
        {has('operator') && (
          <ExtensionSelect client={client} tenantId={tenantId} label={t('cc.operator')} value={filters.operator} onChange={(operator) => set({ operator })} invalid={missing === 'operator'} />
        )}
        {has('parameter') && (
          <label className="report-filter">
            <span>{t('cc.parameter')}</span>
            <select value={filters.parameter} onChange={(e) => set({ parameter: e.target.value })}>
              {CHRONOLOGY_PARAMETERS.map((p) => (
                <option key={p} value={p}>
                  {columnLabel(t, p)}
                </option>
              ))}
            </select>
          </label>
        )}
        {has('interval') && (
          <label className="report-filter">
            <span>{t('cc.interval')}</span>
            <select value={filters.interval} onChange={(e) => set({ interval: e.target.value })}>
              {INTERVALS.map((i) => (
                <option key={i} value={i}>
                  {t(`cc.interval.${i}`)}
                </option>
              ))}
            </select>
          </label>
        )}
        {has('qos_seconds') && (
          <label className="report-filter">
            <span>{t('cc.qos_seconds')}</span>
            <input type="number" min={1} value={filters.qos_seconds} aria-invalid={qosBad || undefined} onChange={(e) => set({ qos_seconds: e.target.value })} />
          </label>
        )}
      </div>
      {missing && <p className="notice">{t('cc.needs', { what: t(`cc.${missing}` as 'cc.group') })}</p>}
      {problem && <ProblemAlert problem={problem} onRetry={reload} />}
      {loading && !data && <p className="muted">{t('common.loading')}</p>}
      {data !== undefined && (
        <>
          {series && spec.chart && (
            <Chart
              title={t(`cc.${report}`)}
              series={series}
              kind={spec.chart.kind}
              stacked={spec.chart.stacked}
              label={(k) => columnLabel(t, k)}
            />
          )}
          <DataTable
            testId="cc-table"
            caption={t(`cc.${report}`)}
            columns={columnsOf(rows, spec.columns ?? []).filter((c) => !spec.hidden?.includes(c))}
            rows={rows}
            actions={<ExportButtons client={client} tenantId={tenantId} report={name} params={params} name={report} />}
          />
        </>
      )}
    </div>
  );
}
