// A report table: the given columns of the rows, headed by their translated names.
import type { ReactNode } from 'react';
import { useI18n, type Translate } from '../../i18n';
import { cellText, type Row } from './series';

/**
 * The heading of a column: its message (col.<key>) where there is one, else the key itself; a
 * flattened key names its parts ("groups.101.answered" → "101 · Answered").
 */
export function columnLabel(t: Translate, key: string): string {
  const one = (part: string) => {
    const k = `col.${part}`;
    const text = t(k as Parameters<Translate>[0]);
    return text === k ? part.replace(/_/g, ' ') : text;
  };
  const parts = key.split('.').filter((p, i, all) => !(p === 'groups' && i < all.length - 1));
  return parts.map(one).join(' · ');
}

interface Props {
  columns: string[];
  rows: Row[];
  testId?: string;
  caption?: string;
  /** Cells shown otherwise than as text (a link, a state badge). */
  render?: Partial<Record<string, (value: unknown, row: Row) => ReactNode>>;
  actions?: ReactNode;
}

export function DataTable({ columns, rows, testId, caption, render = {}, actions }: Props) {
  const { t } = useI18n();
  return (
    <section className="report-table" data-testid={testId}>
      {(caption || actions) && (
        <div className="report-table__head">
          {caption && <h3>{caption}</h3>}
          {actions}
        </div>
      )}
      {rows.length === 0 ? (
        <p className="muted">{t('reports.empty')}</p>
      ) : (
        <div className="report-table__scroll">
          <table>
            <thead>
              <tr>
                {columns.map((c) => (
                  <th key={c} scope="col">
                    {columnLabel(t, c)}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {rows.map((row, i) => (
                <tr key={i}>
                  {columns.map((c) => (
                    <td key={c}>{render[c] ? render[c]!(row[c], row) : cellText(c, row[c])}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
