import { describe, expect, it } from 'vitest';
import { cleanNumber, DEFAULT_FILTER, historyQuery, pageCount, periodRange } from './historyQuery';

const now = new Date(2026, 10, 25, 15, 30); // local time

describe('history filter → query string', () => {
  it('the default asks for the first page of everything', () => {
    expect(historyQuery(DEFAULT_FILTER, now)).toBe('limit=25&offset=0');
  });

  it('adds direction, result, number and paging', () => {
    const q = new URLSearchParams(historyQuery({ ...DEFAULT_FILTER, direction: 'in', result: 'no answer', number: ' +7 (495) 123-45 ', page: 2 }, now));
    expect(Object.fromEntries(q)).toEqual({ limit: '25', offset: '50', direction: 'in', result: 'no answer', number: '+749512345' });
  });

  it('periods are local days as UTC instants', () => {
    const today = new Date(2026, 10, 25);
    const q = new URLSearchParams(historyQuery({ ...DEFAULT_FILTER, period: 'today' }, now));
    expect(q.get('from')).toBe(today.toISOString());
    expect(q.get('to')).toBeNull();
    const y = periodRange({ period: 'yesterday', from: '', to: '' }, now);
    expect([y.from, y.to]).toEqual([new Date(2026, 10, 24), today]);
    expect(periodRange({ period: 'week', from: '', to: '' }, now).from).toEqual(new Date(2026, 10, 19));
  });

  it('custom dates include the last day; bad dates are left open', () => {
    const r = periodRange({ period: 'custom', from: '2026-11-01', to: '2026-11-03' }, now);
    expect([r.from, r.to]).toEqual([new Date(2026, 10, 1), new Date(2026, 10, 4)]);
    const bad = periodRange({ period: 'custom', from: 'yesterday', to: '' }, now);
    expect([bad.from, bad.to]).toEqual([null, null]);
  });

  it('never sends what the API refuses', () => {
    expect(cleanNumber('abc')).toBe('');
    expect(cleanNumber('1'.repeat(40))).toHaveLength(31);
    const q = new URLSearchParams(historyQuery({ ...DEFAULT_FILTER, number: 'abc', direction: 'sideways' as never, page: -3 }, now));
    expect(Object.fromEntries(q)).toEqual({ limit: '25', offset: '0' });
  });

  it('counts pages', () => {
    expect([pageCount(0), pageCount(25), pageCount(26)]).toEqual([1, 1, 2]);
  });
});
