import { describe, expect, it } from 'vitest';
import { callSearchParams, downloadName, exportPath, NO_CALL_FILTERS, periodParams, periodProblem, presetRange, queryString, reportPath, type Period } from './query';

const now = new Date(2026, 10, 25, 14, 30); // 25 Nov 2026, local time

describe('periods', () => {
  it('turns a preset into the days it covers, ending today', () => {
    expect(presetRange({ preset: 'today', from: '', to: '' }, now)).toEqual({ from: '2026-11-25', to: '2026-11-25' });
    expect(presetRange({ preset: '7d', from: '', to: '' }, now)).toEqual({ from: '2026-11-19', to: '2026-11-25' });
    expect(presetRange({ preset: '30d', from: '', to: '' }, now)).toEqual({ from: '2026-10-27', to: '2026-11-25' });
    expect(presetRange({ preset: '45d', from: '', to: '' }, now)).toEqual({ from: '2026-10-12', to: '2026-11-25' });
    // Across a year end.
    expect(presetRange({ preset: '7d', from: '', to: '' }, new Date(2027, 0, 3))).toEqual({ from: '2026-12-28', to: '2027-01-03' });
    expect(presetRange({ preset: 'custom', from: '2026-01-01', to: '2026-01-31' }, now)).toEqual({ from: '2026-01-01', to: '2026-01-31' });
  });

  it('sends from/to only with a custom period', () => {
    expect(periodParams({ preset: '30d', from: '2026-01-01', to: '2026-01-02' })).toEqual({ preset: '30d' });
    expect(periodParams({ preset: 'custom', from: '2026-01-01', to: '2026-01-02' })).toEqual({ preset: 'custom', from: '2026-01-01', to: '2026-01-02' });
  });

  it('names the wrong field of a custom period', () => {
    const custom = (from: string, to: string): Period => ({ preset: 'custom', from, to });
    expect(periodProblem({ preset: '7d', from: 'x', to: '' })).toBeNull();
    expect(periodProblem(custom('', '2026-01-02'))).toBe('from');
    expect(periodProblem(custom('2026-01-02', ''))).toBe('to');
    expect(periodProblem(custom('2026-01-03', '2026-01-02'))).toBe('to');
    expect(periodProblem(custom('2026-01-02', '2026-01-02'))).toBeNull();
  });
});

describe('query strings and paths', () => {
  it('leaves out empty parameters and encodes the rest', () => {
    expect(queryString({})).toBe('');
    expect(queryString({ a: '', b: null, c: undefined, d: 0, q: 'a&b c' })).toBe('?d=0&q=a%26b+c');
  });

  it('builds a report path under the tenant, each part encoded', () => {
    expect(reportPath('t 1', 'groups/comparison', { qos_seconds: 20 })).toBe('/api/tenants/t%201/reports/groups/comparison?qos_seconds=20');
    expect(reportPath('t1', 'groups/a?b/operators')).toBe('/api/tenants/t1/reports/groups/a%3Fb/operators');
  });

  it('exports the same filters without paging, with the format', () => {
    const params = callSearchParams({ preset: '7d', from: '', to: '' }, { ...NO_CALL_FILTERS, direction: 'in', q: ' 7495 ' }, { limit: 50, offset: 100 });
    expect(reportPath('t1', 'calls', params)).toBe('/api/tenants/t1/reports/calls?preset=7d&direction=in&q=7495&sort=-started_at&limit=50&offset=100');
    expect(exportPath('t1', 'calls', params, 'xlsx')).toBe('/api/tenants/t1/reports/calls?preset=7d&direction=in&q=7495&sort=-started_at&format=xlsx');
    expect(exportPath('t1', 'calls', { ...params, format: 'json' }, 'csv')).toMatch(/format=csv$/);
  });

  it('reads the file name of a download', () => {
    expect(downloadName('attachment; filename="calls-2026-11-19-2026-11-25.xlsx"', 'x.xlsx')).toBe('calls-2026-11-19-2026-11-25.xlsx');
    expect(downloadName("attachment; filename*=UTF-8''%D0%BE%D1%82%D1%87%D1%91%D1%82.csv", 'x.csv')).toBe('отчёт.csv');
    expect(downloadName(null, 'calls.csv')).toBe('calls.csv');
    expect(downloadName('attachment', 'calls.csv')).toBe('calls.csv');
  });
});
