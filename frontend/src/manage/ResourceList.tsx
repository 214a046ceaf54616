// The list page of any collection: search, sortable columns, paging, and delete with a
// confirmation (If-Match: the row's version).
import { useEffect, useMemo, useState } from 'react';
import { toProblem, type ApiClient, type Problem } from '../api';
import { ProblemAlert } from '../components/ProblemAlert';
import { useI18n } from '../i18n';
import { useApi } from '../useApi';
import { invalidate } from './cache';
import { ConfirmDialog } from './ConfirmDialog';
import { isVersionConflict } from './formErrors';
import { takeFlash } from './flash';
import { clampQuery, initialQuery, PAGE_SIZES, pageInfo, sortState, withLimit, withOrder, withPage, withSearch, type ListQuery } from './listQuery';
import { ResourceApi } from './resourceApi';
import { getPath } from './formModel';
import type { Ctx, Item, ResourceSpec } from './types';

interface Props {
  spec: ResourceSpec;
  client: ApiClient;
  ctx: Ctx;
  itemHref: (id: string) => string;
  newHref: string;
}

function cellText(value: unknown): string {
  if (value === null || value === undefined || value === '') return '—';
  if (typeof value === 'boolean') return value ? '✓' : '—';
  if (Array.isArray(value)) return String(value.length);
  return String(value);
}

export function ResourceList({ spec, client, ctx, itemHref, newHref }: Props) {
  const { t } = useI18n();
  const path = spec.path(ctx.tenantId);
  const api = useMemo(() => new ResourceApi(client, path), [client, path]);
  const [query, setQuery] = useState<ListQuery>(() => initialQuery(spec.defaultOrder));
  const [searchText, setSearchText] = useState('');
  const [attempt, setAttempt] = useState(0);
  const list = useApi(() => api.list(query), `${path}|${JSON.stringify(query)}|${attempt}`);
  const [deleting, setDeleting] = useState<Item | null>(null);
  const [deleteBusy, setDeleteBusy] = useState(false);
  const [deleteProblem, setDeleteProblem] = useState<Problem | null>(null);
  const [notice, setNotice] = useState<string | null>(() => takeFlash());
  const mayCreate = spec.canCreate ? spec.canCreate(ctx.user) : true;
  const mayDelete = spec.canDelete ? spec.canDelete(ctx.user) : true;

  // Typing searches after a short pause; the first page of the answer is shown.
  useEffect(() => {
    if (searchText === query.search) return;
    const timer = setTimeout(() => setQuery((q) => withSearch(q, searchText)), 300);
    return () => clearTimeout(timer);
  }, [searchText, query.search]);

  // A page past the end (after deletes elsewhere): go to the last page with rows.
  useEffect(() => {
    if (!list.data) return;
    const clamped = clampQuery(query, list.data.total);
    if (clamped !== query) setQuery(clamped);
  }, [list.data, query]);

  const items = list.data?.items ?? [];
  const total = list.data?.total ?? 0;
  const info = pageInfo(total, query, items.length);

  async function confirmDelete() {
    if (!deleting) return;
    setDeleteBusy(true);
    setDeleteProblem(null);
    try {
      await api.remove(deleting.id, deleting.version);
      invalidate(client, path);
      setNotice(t('manage.deleted', { what: spec.describe(deleting) }));
      setDeleting(null);
      setAttempt((n) => n + 1);
    } catch (error) {
      setDeleteProblem(toProblem(error));
    } finally {
      setDeleteBusy(false);
    }
  }

  const reload = () => setAttempt((n) => n + 1);
  const conflict = isVersionConflict(deleteProblem);

  return (
    <section className="manage-list" aria-labelledby="manage-title">
      <div className="manage-list__head">
        <h1 id="manage-title">
          {t(spec.title)}
          {list.data && <span className="count">{total}</span>}
        </h1>
        <div className="manage-list__tools">
          {spec.listTools?.({ client, ctx, reload })}
          {mayCreate && (
            <a className="button primary" href={newHref}>
              {t(spec.createLabel)}
            </a>
          )}
        </div>
      </div>
      {spec.listHint && <p className="muted">{t(spec.listHint)}</p>}
      <div className="manage-list__search">
        <label htmlFor="list-search" className="visually-hidden">
          {t('manage.search')}
        </label>
        <input
          id="list-search"
          type="search"
          placeholder={t('manage.searchPlaceholder')}
          value={searchText}
          maxLength={100}
          onChange={(e) => setSearchText(e.target.value)}
        />
      </div>
      {notice && (
        <div className="notice" role="status">
          {notice}{' '}
          <button type="button" className="link-button" onClick={() => setNotice(null)}>
            {t('common.dismiss')}
          </button>
        </div>
      )}
      {list.problem && <ProblemAlert problem={list.problem} onRetry={list.reload} />}
      {list.loading && !list.data && <p className="muted">{t('common.loading')}</p>}
      {list.data && items.length === 0 && (
        <p className="muted">{query.search ? t('manage.nothingFound', { search: query.search }) : t('manage.empty')}</p>
      )}
      {items.length > 0 && (
        <table className="table manage-table" data-testid={`list-${spec.key}`} aria-busy={list.loading || undefined}>
          <thead>
            <tr>
              {spec.columns.map((col) => {
                const state = col.sort ? sortState(query.order, col.sort) : 'none';
                return (
                  <th key={col.key} scope="col" aria-sort={col.sort ? state : undefined}>
                    {col.sort ? (
                      <button type="button" className="sort" onClick={() => setQuery((q) => withOrder(q, col.sort!))}>
                        {t(col.label)}
                        <span aria-hidden="true" className="sort__arrow">
                          {state === 'ascending' ? '▲' : state === 'descending' ? '▼' : '↕'}
                        </span>
                      </button>
                    ) : (
                      t(col.label)
                    )}
                  </th>
                );
              })}
              <th scope="col">
                <span className="visually-hidden">{t('schemes.actions')}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {items.map((item) => (
              <tr key={item.id}>
                {spec.columns.map((col) => {
                  const content = col.render ? col.render(item, ctx) : cellText(getPath(item, col.key));
                  return (
                    <td key={col.key} className={col.mono ? 'mono' : undefined}>
                      {col.primary ? <a href={itemHref(item.id)}>{content}</a> : content}
                    </td>
                  );
                })}
                <td className="actions">
                  <a className="button" href={itemHref(item.id)} aria-label={`${t('manage.open')}: ${spec.describe(item)}`}>
                    {t('manage.open')}
                  </a>
                  {mayDelete && (
                    <button
                      type="button"
                      aria-label={`${t('manage.delete')}: ${spec.describe(item)}`}
                      onClick={() => {
                        setDeleteProblem(null);
                        setDeleting(item);
                      }}
                    >
                      {t('manage.delete')}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {list.data && total > 0 && (
        <div className="pager" aria-label={t('manage.paging')} role="group">
          <span>{t('manage.range', { from: info.from, to: info.to, total })}</span>
          <button type="button" disabled={!info.hasPrev} onClick={() => setQuery((q) => withPage(q, info.page - 1))}>
            {t('manage.prev')}
          </button>
          <span>{t('manage.pageOf', { page: info.page, pages: info.pages })}</span>
          <button type="button" disabled={!info.hasNext} onClick={() => setQuery((q) => withPage(q, info.page + 1))}>
            {t('manage.next')}
          </button>
          <label>
            {t('manage.pageSize')}{' '}
            <select value={query.limit} onChange={(e) => setQuery((q) => withLimit(q, Number(e.target.value)))}>
              {PAGE_SIZES.map((n) => (
                <option key={n} value={n}>
                  {n}
                </option>
              ))}
            </select>
          </label>
        </div>
      )}
      {deleting && (
        <ConfirmDialog
          title={t('manage.confirmDeleteTitle', { what: spec.describe(deleting) })}
          confirmLabel={t('schemes.confirmDelete')}
          busy={deleteBusy}
          problem={deleteProblem}
          onConfirm={() => void confirmDelete()}
          onCancel={() => setDeleting(null)}
          extra={
            conflict ? (
              <button
                type="button"
                onClick={() => {
                  setDeleting(null);
                  reload();
                }}
              >
                {t('manage.reloadList')}
              </button>
            ) : undefined
          }
        >
          <p>{conflict ? t('manage.conflictDelete') : t('manage.confirmDeleteText')}</p>
        </ConfirmDialog>
      )}
    </section>
  );
}
