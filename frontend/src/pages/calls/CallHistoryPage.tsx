// The call history (F-CAL-2): filters (period, direction, result, number), paging, and a
// link to each call's protocol.
import { useMemo, useState } from 'react';
import type { ApiClient } from '../../api';
import { ProblemAlert } from '../../components/ProblemAlert';
import { CallsApi } from '../../calls/callsApi';
import { DEFAULT_FILTER, historyQuery, pageCount, PAGE_SIZE, PERIODS, type HistoryFilter } from '../../calls/historyQuery';
import { formatDuration } from '../../calls/protocol';
import { DIRECTIONS, RESULTS, type HistoryCall } from '../../calls/types';
import { useI18n, type MessageKey } from '../../i18n';
import { href } from '../../router';
import { useApi } from '../../useApi';

export function formatTime(iso: string | null | undefined, lang: string): string {
  if (!iso) return '';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString(lang === 'ru' ? 'ru-RU' : 'en-GB');
}

export function CallHistoryPage({ client, tenantId }: { client: ApiClient; tenantId: string }) {
  const { t, lang } = useI18n();
  const api = useMemo(() => new CallsApi(client, tenantId), [client, tenantId]);
  const [filter, setFilter] = useState<HistoryFilter>(DEFAULT_FILTER);
  const [numberText, setNumberText] = useState('');
  const query = historyQuery(filter);
  const page = useApi(() => api.history(query), `calls:${tenantId}:${query}`);
  const set = (patch: Partial<HistoryFilter>) => setFilter((f) => ({ ...f, ...patch, page: patch.page ?? 0 }));
  const total = page.data?.total ?? 0;
  const pages = pageCount(total, PAGE_SIZE);

  return (
    <main className="calls" data-testid="call-history">
      <h1>{t('calls.title')}</h1>
      <form
        className="calls__filters"
        onSubmit={(e) => {
          e.preventDefault();
          set({ number: numberText });
        }}
      >
        <label>
          {t('calls.period')}{' '}
          <select aria-label={t('calls.period')} value={filter.period} onChange={(e) => set({ period: e.target.value as HistoryFilter['period'] })}>
            {PERIODS.map((p) => (
              <option key={p} value={p}>
                {t(`calls.period.${p}` as MessageKey)}
              </option>
            ))}
          </select>
        </label>
        {filter.period === 'custom' && (
          <>
            <label>
              {t('calls.from')} <input type="date" value={filter.from} onChange={(e) => set({ from: e.target.value })} />
            </label>
            <label>
              {t('calls.to')} <input type="date" value={filter.to} onChange={(e) => set({ to: e.target.value })} />
            </label>
          </>
        )}
        <select aria-label={t('calls.direction')} value={filter.direction} onChange={(e) => set({ direction: e.target.value as HistoryFilter['direction'] })}>
          <option value="">{t('calls.direction.any')}</option>
          {DIRECTIONS.map((d) => (
            <option key={d} value={d}>
              {t(`calls.direction.${d}` as MessageKey)}
            </option>
          ))}
        </select>
        <select aria-label={t('calls.result')} value={filter.result} onChange={(e) => set({ result: e.target.value as HistoryFilter['result'] })}>
          <option value="">{t('calls.result.any')}</option>
          {RESULTS.map((r) => (
            <option key={r} value={r}>
              {t(`calls.result.${r}` as MessageKey)}
            </option>
          ))}
        </select>
        <input
          type="search"
          inputMode="tel"
          aria-label={t('calls.number')}
          placeholder={t('calls.numberPlaceholder')}
          value={numberText}
          onChange={(e) => setNumberText(e.target.value)}
          onBlur={() => numberText !== filter.number && set({ number: numberText })}
        />
        <button type="button" className="link-button" onClick={() => (setFilter(DEFAULT_FILTER), setNumberText(''))}>
          {t('calls.reset')}
        </button>
      </form>
      {page.problem && <ProblemAlert problem={page.problem} onRetry={page.reload} />}
      {page.loading && !page.data && <p className="muted">{t('common.loading')}</p>}
      {page.data && page.data.items.length === 0 && <p className="muted">{t('calls.empty')}</p>}
      {page.data && page.data.items.length > 0 && (
        <table className="table calls__table" data-testid="calls-table">
          <thead>
            <tr>
              <th>{t('calls.started')}</th>
              <th>{t('calls.direction')}</th>
              <th>{t('calls.caller')}</th>
              <th>{t('calls.called')}</th>
              <th>{t('calls.answeredBy')}</th>
              <th>{t('calls.result')}</th>
              <th>{t('calls.duration')}</th>
              <th>{t('calls.talk')}</th>
            </tr>
          </thead>
          <tbody>
            {page.data.items.map((c: HistoryCall) => (
              <tr key={c.id} data-testid="call-row" data-result={c.result}>
                <td>
                  <a href={href({ name: 'calls', tenantId, callId: c.id })}>{formatTime(c.started_at, lang)}</a>
                </td>
                <td>{t(`calls.direction.${c.direction}` as MessageKey)}</td>
                <td className="mono" title={c.caller_name ?? undefined}>
                  {c.caller}
                </td>
                <td className="mono">{c.did ?? c.called}</td>
                <td>{c.answered_by ? `${c.answered_by.number ?? ''} ${c.answered_by.name ?? ''}`.trim() : ''}</td>
                <td>
                  <span className={`badge result result--${c.result.replace(' ', '-')}`}>{t(`calls.result.${c.result}` as MessageKey)}</span>
                </td>
                <td className="mono">{formatDuration(c.duration)}</td>
                <td className="mono">{formatDuration(c.billable_seconds)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {page.data && total > PAGE_SIZE && (
        <nav className="pager" aria-label={t('calls.page', { page: filter.page + 1, pages, total })}>
          <button type="button" disabled={filter.page === 0} onClick={() => set({ page: filter.page - 1 })}>
            {t('calls.prev')}
          </button>
          <span data-testid="calls-page">{t('calls.page', { page: filter.page + 1, pages, total })}</span>
          <button type="button" disabled={filter.page + 1 >= pages} onClick={() => set({ page: filter.page + 1 })}>
            {t('calls.next')}
          </button>
        </nav>
      )}
    </main>
  );
}
