// A classifier's contacts (number or prefix*, name, phone, email, note), fifty rows a page.
import { useState } from 'react';
import { useI18n } from '../../i18n';
import { rowErrors } from '../formErrors';
import type { CustomFieldProps } from '../types';
import { errorAt, RestErrors, RowError } from './inputs';

export interface Entry {
  number: string;
  name?: string;
  phone?: string | null;
  email?: string;
  note?: string;
}

const PAGE = 50;
const COLUMNS = ['number', 'name', 'phone', 'email', 'note'] as const;

/** Entries as the API takes them: trimmed, an empty phone as null. */
export function cleanEntries(entries: readonly Entry[]): Entry[] {
  return entries.map((e) => ({
    number: (e.number ?? '').trim(),
    name: (e.name ?? '').trim(),
    phone: (e.phone ?? '').trim() || null,
    email: (e.email ?? '').trim(),
    note: (e.note ?? '').trim(),
  }));
}

/** Row indexes whose text contains `filter` (all rows when it is empty). */
export function filterEntries(entries: readonly Entry[], filter: string): number[] {
  const f = filter.trim().toLowerCase();
  const out: number[] = [];
  entries.forEach((e, i) => {
    if (!f || COLUMNS.some((c) => String(e[c] ?? '').toLowerCase().includes(f))) out.push(i);
  });
  return out;
}

export function EntriesEditor({ value, onChange, errors, disabled, id }: CustomFieldProps) {
  const { t } = useI18n();
  const entries = Array.isArray(value) ? (value as Entry[]) : [];
  const byRow = rowErrors(errors, 'entries');
  const [filter, setFilter] = useState('');
  const [page, setPage] = useState(0);
  const errorRows = Object.keys(byRow).map(Number).filter((n) => n >= 0);
  const [onlyErrors, setOnlyErrors] = useState(false);
  const matching = filterEntries(entries, filter).filter((i) => !onlyErrors || errorRows.includes(i));
  const pages = Math.max(1, Math.ceil(matching.length / PAGE));
  const current = Math.min(page, pages - 1);
  const shown = matching.slice(current * PAGE, current * PAGE + PAGE);
  const set = (i: number, patch: Partial<Entry>) => onChange(entries.map((e, j) => (j === i ? { ...e, ...patch } : e)));

  return (
    <div id={id} className="rows-editor" data-testid="entries-editor">
      {byRow[-1] && <RowError id={`${id}-error`} message={Object.values(byRow[-1]).join('; ')} />}
      <div className="inline">
        <input
          type="search"
          aria-label={t('classifier.filter')}
          placeholder={t('classifier.filter')}
          value={filter}
          onChange={(e) => {
            setFilter(e.target.value);
            setPage(0);
          }}
        />
        <span className="muted">{t('classifier.count', { n: entries.length })}</span>
        {errorRows.length > 0 && (
          <label className="check">
            <input type="checkbox" checked={onlyErrors} onChange={(e) => setOnlyErrors(e.target.checked)} />
            <span>{t('classifier.onlyErrors', { n: errorRows.length })}</span>
          </label>
        )}
      </div>
      {shown.length > 0 && (
        <table className="table compact">
          <thead>
            <tr>
              <th scope="col">#</th>
              {COLUMNS.map((c) => (
                <th key={c} scope="col">
                  {t(`entry.${c}`)}
                </th>
              ))}
              <th scope="col">
                <span className="visually-hidden">{t('schemes.actions')}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {shown.map((i) => {
              const e = entries[i];
              const err = byRow[i];
              return (
                <tr key={i} data-testid={`entry-${i}`}>
                  <td className="muted">{i + 1}</td>
                  {COLUMNS.map((c) => (
                    <td key={c}>
                      <input
                        aria-label={t(`entry.${c}N`, { n: i + 1 })}
                        className={c === 'number' || c === 'phone' ? 'mono' : undefined}
                        type={c === 'email' ? 'email' : c === 'number' || c === 'phone' ? 'tel' : 'text'}
                        value={String(e[c] ?? '')}
                        disabled={disabled}
                        aria-invalid={errorAt(err, c) ? true : undefined}
                        onChange={(ev) => set(i, { [c]: ev.target.value })}
                      />
                      <RowError id={`${id}-${i}-${c}`} message={errorAt(err, c)} />
                      {c === 'note' && <RestErrors errors={err} shown={COLUMNS} />}
                    </td>
                  ))}
                  <td>
                    <button type="button" className="link-button" disabled={disabled} onClick={() => onChange(entries.filter((_, j) => j !== i))}>
                      {t('manage.remove')}
                    </button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {pages > 1 && (
        <div className="pager">
          <button type="button" disabled={current === 0} onClick={() => setPage(current - 1)}>
            {t('manage.prev')}
          </button>
          <span>{t('manage.pageOf', { page: current + 1, pages })}</span>
          <button type="button" disabled={current >= pages - 1} onClick={() => setPage(current + 1)}>
            {t('manage.next')}
          </button>
        </div>
      )}
      <button
        type="button"
        disabled={disabled}
        onClick={() => {
          onChange([...entries, { number: '', name: '', phone: '', email: '', note: '' }]);
          setFilter('');
          setOnlyErrors(false);
          setPage(Math.floor(entries.length / PAGE));
        }}
      >
        {t('classifier.addEntry')}
      </button>
      <p className="field__hint">{t('classifier.entriesHint')}</p>
    </div>
  );
}
