// The call history's filters and their query string (GET /api/tenants/{id}/calls).
import { DIRECTIONS, RESULTS, type CallResult, type Direction } from './types';

export type Period = 'today' | 'yesterday' | 'week' | 'month' | 'all' | 'custom';
export const PERIODS: Period[] = ['today', 'yesterday', 'week', 'month', 'all', 'custom'];

export interface HistoryFilter {
  period: Period;
  /** For `custom`: local dates, "YYYY-MM-DD" (from inclusive, to inclusive). */
  from: string;
  to: string;
  direction: Direction | '';
  result: CallResult | '';
  number: string;
  page: number;
}

export const PAGE_SIZE = 25;
export const DEFAULT_FILTER: HistoryFilter = { period: 'all', from: '', to: '', direction: '', result: '', number: '', page: 0 };

function startOfDay(d: Date): Date {
  return new Date(d.getFullYear(), d.getMonth(), d.getDate());
}

function addDays(d: Date, days: number): Date {
  return new Date(d.getFullYear(), d.getMonth(), d.getDate() + days);
}

function parseDay(value: string): Date | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return null;
  const d = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return Number.isNaN(d.getTime()) ? null : d;
}

/** The [from, to) range of a period in the browser's time zone (null ends are open). */
export function periodRange(filter: Pick<HistoryFilter, 'period' | 'from' | 'to'>, now: Date): { from: Date | null; to: Date | null } {
  const today = startOfDay(now);
  switch (filter.period) {
    case 'today':
      return { from: today, to: null };
    case 'yesterday':
      return { from: addDays(today, -1), to: today };
    case 'week':
      return { from: addDays(today, -6), to: null };
    case 'month':
      return { from: addDays(today, -29), to: null };
    case 'custom': {
      const from = parseDay(filter.from);
      const to = parseDay(filter.to);
      return { from, to: to ? addDays(to, 1) : null };
    }
    default:
      return { from: null, to: null };
  }
}

/** Digits (and a leading +) of what was typed into the number search; the API refuses anything else. */
export function cleanNumber(value: string): string {
  const trimmed = value.trim();
  const digits = trimmed.replace(/\D/g, '').slice(0, 31);
  return digits ? (trimmed.startsWith('+') ? `+${digits}` : digits) : '';
}

/** The query string of a filter (without "?"), times as UTC ISO with a zone as the API wants. */
export function historyQuery(filter: HistoryFilter, now: Date = new Date(), pageSize = PAGE_SIZE): string {
  const q = new URLSearchParams();
  q.set('limit', String(pageSize));
  q.set('offset', String(Math.max(0, filter.page) * pageSize));
  const { from, to } = periodRange(filter, now);
  if (from) q.set('from', from.toISOString());
  if (to) q.set('to', to.toISOString());
  if (filter.direction && DIRECTIONS.includes(filter.direction)) q.set('direction', filter.direction);
  if (filter.result && RESULTS.includes(filter.result)) q.set('result', filter.result);
  const number = cleanNumber(filter.number);
  if (number) q.set('number', number);
  return q.toString();
}

/** The number of pages for a total. */
export function pageCount(total: number, pageSize = PAGE_SIZE): number {
  return Math.max(1, Math.ceil(total / pageSize));
}
