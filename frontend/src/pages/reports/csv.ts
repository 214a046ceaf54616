// A table shown in the browser as CSV, for the dashboard's tables (the dashboard API answers
// JSON only). Same rules as the server's exports: a BOM for spreadsheet programs, and text a
// spreadsheet would run as a formula is neutralised.
import type { Row } from './series';

const FORMULA = /^[=+\-@\t\r]/;

function cell(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text = typeof value === 'string' ? value : String(value);
  if (typeof value === 'string' && FORMULA.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function tableCsv(columns: { key: string; title: string }[], rows: Row[]): string {
  const lines = [columns.map((c) => cell(c.title)).join(',')];
  for (const row of rows) lines.push(columns.map((c) => cell(row[c.key])).join(','));
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}
