// Call history search (F-REP-1): filters, totals, a page of calls, CSV/XLSX export of the
// whole result and the background archive with recordings.
import { useState, type FormEvent } from 'react';
import type { ApiClient, Page } from '../../api';
import { ProblemAlert } from '../../components/ProblemAlert';
import { useI18n } from '../../i18n';
import { useApi } from '../../useApi';
import { ArchiveExport } from './ArchiveExport';
import { columnLabel, DataTable } from './DataTable';
import { ExportButtons } from './ExportButtons';
import { GroupSelect, ExtensionSelect } from './pickers';
import { callSearchParams, NO_CALL_FILTERS, periodProblem, reportPath, type CallFilters, type Period } from './query';
import { cellText, columnsOf, rowsOf, type Row } from './series';

export const PAGE_SIZE = 50;

interface CallPage extends Page<Row> {
  totals?: Record<string, number>;
}

const DIRECTIONS = ['in', 'out', 'internal'] as const;
const RESULTS = ['answered', 'missed', 'no answer', 'busy', 'no route', 'failed', 'forwarded', 'voicemail'] as const;
const SORTS = [
  ['-started_at', 'history.sort.newest'],
  ['started_at', 'history.sort.oldest'],
  ['-talk_seconds', 'history.sort.longest'],
  ['-billable_seconds', 'history.sort.costliest'],
] as const;
const COLUMNS = ['started_at', 'direction', 'result', 'line', 'caller', 'caller_name', 'called', 'user.number', 'user.name', 'group', 'duration', 'talk_seconds', 'billable_seconds'];
const HIDDEN = new Set(['id', 'answered', 'answered_at', 'ended_at']);

export function CallHistory({ client, tenantId, period }: { client: ApiClient; tenantId: string; period: Period }) {
  const { t } = useI18n();
  const [draft, setDraft] = useState<CallFilters>(NO_CALL_FILTERS);
  const [filters, setFilters] = useState<CallFilters>(NO_CALL_FILTERS);
  const [offset, setOffset] = useState(0);
  const bad = periodProblem(period) !== null;
  const params = callSearchParams(period, filters, { limit: PAGE_SIZE, offset });
  const path = bad ? null : reportPath(tenantId, 'calls', params);
  const { data, problem, loading, reload } = useApi<CallPage>(path ? () => client.request('GET', path) : null, path ?? '');
  const rows = rowsOf(data);
  const total = data?.total ?? 0;
  const set = (patch: Partial<CallFilters>) => setDraft((d) => ({ ...d, ...patch }));

  function submit(e: FormEvent) {
    e.preventDefault();
    setFilters(draft);
    setOffset(0);
  }

  return (
    <div className="call-history" data-testid="report-call-history">
      <form className="report-filters" onSubmit={submit} aria-label={t('history.filters')}>
        <label className="report-filter">
          <span>{t('history.direction')}</span>
          <select value={draft.direction} onChange={(e) => set({ direction: e.target.value })}>
            <option value="">— {t('reports.any')} —</option>
            {DIRECTIONS.map((d) => (
              <option key={d} value={d}>
                {t(`history.direction.${d}`)}
              </option>
            ))}
          </select>
        </label>
        <label className="report-filter">
          <span>{t('history.result')}</span>
          <select value={draft.result} onChange={(e) => set({ result: e.target.value })}>
            <option value="">— {t('reports.any')} —</option>
            {RESULTS.map((r) => (
              <option key={r} value={r}>
                {t(`history.result.${r.replace(' ', '_') as 'missed'}`)}
              </option>
            ))}
          </select>
        </label>
        <label className="report-filter">
          <span>{t('history.line')}</span>
          <input value={draft.line} onChange={(e) => set({ line: e.target.value })} size={14} />
        </label>
        <ExtensionSelect client={client} tenantId={tenantId} label={t('history.user')} value={draft.user} onChange={(user) => set({ user })} />
        <GroupSelect client={client} tenantId={tenantId} label={t('history.group')} value={draft.group} onChange={(group) => set({ group })} />
        <label className="report-filter">
          <span>{t('history.q')}</span>
          <input type="search" value={draft.q} onChange={(e) => set({ q: e.target.value })} size={16} />
        </label>
        <label className="report-filter">
          <span>{t('history.sort')}</span>
          <select value={draft.sort} onChange={(e) => set({ sort: e.target.value })}>
            {SORTS.map(([value, key]) => (
              <option key={value} value={value}>
                {t(key)}
              </option>
            ))}
          </select>
        </label>
        <button type="submit">{t('reports.show')}</button>
      </form>
      {problem && <ProblemAlert problem={problem} onRetry={reload} />}
      {data?.totals && (
        <dl className="report-summary" data-testid="call-totals">
          {Object.entries(data.totals).map(([key, value]) => (
            <div key={key}>
              <dt>{columnLabel(t, key)}</dt>
              <dd>{cellText(key, value)}</dd>
            </div>
          ))}
        </dl>
      )}
      {loading && !data && <p className="muted">{t('common.loading')}</p>}
      {data && (
        <DataTable
          testId="call-list"
          caption={t('history.found', { total })}
          columns={columnsOf(rows, COLUMNS).filter((c) => !HIDDEN.has(c))}
          render={{
            direction: (v) => (DIRECTIONS.includes(v as 'in') ? t(`history.direction.${v as 'in'}`) : String(v ?? '')),
            result: (v) => (RESULTS.includes(v as 'busy') ? t(`history.result.${String(v).replace(' ', '_') as 'busy'}`) : String(v ?? '')),
          }}
          rows={rows}
          actions={<ExportButtons client={client} tenantId={tenantId} report="calls" params={params} name="calls" disabled={bad} />}
        />
      )}
      {data && total > PAGE_SIZE && (
        <div className="pager">
          <button type="button" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE_SIZE))}>
            {t('history.prev')}
          </button>
          <span>{t('history.pageOf', { from: offset + 1, to: Math.min(total, offset + PAGE_SIZE), total })}</span>
          <button type="button" disabled={offset + PAGE_SIZE >= total} onClick={() => setOffset(offset + PAGE_SIZE)}>
            {t('history.next')}
          </button>
        </div>
      )}
      <ArchiveExport client={client} tenantId={tenantId} period={period} />
    </div>
  );
}
