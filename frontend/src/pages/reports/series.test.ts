import { describe, expect, it } from 'vitest';
import { axisLabel, cellText, chartRows, columnsOf, duration, flatRow, pivot, rowsOf, seriesOf } from './series';

describe('rows of a report answer', () => {
  it('takes a list, or the one under items/rows, flattened', () => {
    expect(rowsOf([{ a: 1 }, 'x', null])).toEqual([{ a: 1 }]);
    expect(rowsOf({ items: [{ user: { number: '201', name: 'Ann' }, rung: ['201', '202'] }] })).toEqual([{ 'user.number': '201', 'user.name': 'Ann', rung: '201, 202' }]);
    expect(rowsOf({ rows: [{ n: 1 }] })).toEqual([{ n: 1 }]);
    expect(rowsOf(undefined)).toEqual([]);
    expect(rowsOf({ total: 3 })).toEqual([]);
  });

  it('flattens nested cells into dotted keys', () => {
    expect(flatRow({ start: 's', groups: { '101': { answered: 2, lost: 1 } }, total: { value: 5 } })).toEqual({
      start: 's',
      'groups.101.answered': 2,
      'groups.101.lost': 1,
      'total.value': 5,
    });
  });

  it('lists scalar columns with the preferred ones first', () => {
    const rows = [{ b: 1, a: 2, nested: { x: 1 } }, { c: 3 }];
    expect(columnsOf(rows, ['c', 'zzz', 'a'])).toEqual(['c', 'a', 'b']);
  });

  it('leaves total rows out of charts', () => {
    expect(chartRows([{ key: '101' }, { key: 'total' }, { start: null, total_row: true }])).toEqual([{ key: '101' }]);
  });
});

describe('chart series', () => {
  it('maps rows to points with a label and numbers', () => {
    const rows = [
      { hour: '2026-11-25T09:00', calls: 3, answered: 2, missed: 1 },
      { hour: '2026-11-25T10:00', calls: 1, answered: '1', missed: null },
    ];
    expect(seriesOf(rows, ['hour'], ['answered', 'missed', 'absent'], true)).toEqual({
      keys: ['answered', 'missed'],
      data: [
        { label: '09:00', answered: 2, missed: 1 },
        { label: '10:00', answered: 1, missed: 0 },
      ],
    });
    expect(seriesOf(rows, ['day'], ['answered'])).toEqual({ data: [], keys: [] });
    expect(seriesOf([], ['hour'], ['answered'])).toEqual({ data: [], keys: [] });
    // Numbers on x (operators) stay numbers; an hour of the day reads as a time.
    expect(seriesOf([{ operators: 3, service_level: 0.5 }], ['operators'], ['service_level']).data).toEqual([{ label: '3', service_level: 0.5 }]);
    expect(seriesOf([{ hour: 9, calls: 1 }], ['hour'], ['calls']).data).toEqual([{ label: '09:00', calls: 1 }]);
  });

  it('pivots long rows into a series per line, in time order, missing pairs as 0', () => {
    const rows = [
      { line: '+7495', start: '2026-11-25T10:00', max_lines: 2 },
      { line: '+7495', start: '2026-11-25T11:00', max_lines: 1 },
      { line: '+7812', start: '2026-11-25T09:00', max_lines: 3 },
    ];
    expect(pivot(rows, 'start', 'line', 'max_lines', true)).toEqual({
      keys: ['+7495', '+7812'],
      data: [
        { label: '09:00', '+7495': 0, '+7812': 3 },
        { label: '10:00', '+7495': 2, '+7812': 0 },
        { label: '11:00', '+7495': 1, '+7812': 0 },
      ],
    });
  });

  it('labels hours, days and timestamps briefly', () => {
    expect(axisLabel(7, { hour: true })).toBe('07:00');
    expect(axisLabel(7)).toBe('7');
    expect(axisLabel('2026-11-05')).toBe('05.11');
    expect(axisLabel('2026-11-05T08:15')).toBe('05.11 08:15');
    expect(axisLabel('2026-11-05T08:15', { timeOnly: true })).toBe('08:15');
    expect(axisLabel('101')).toBe('101');
    expect(axisLabel(null)).toBe('');
  });
});

describe('cells', () => {
  it('shows durations, percents and plain numbers', () => {
    expect(duration(65)).toBe('1:05');
    expect(duration(3725)).toBe('1:02:05');
    expect(cellText('talk_seconds', 125)).toBe('2:05');
    expect(cellText('groups.101.avg_talk_seconds', 61.4)).toBe('1:01');
    expect(cellText('target_seconds', 20)).toBe('20');
    expect(cellText('service_level_pct', 87.25)).toBe('87.3%');
    expect(cellText('service_level', 0.8)).toBe('80.0%');
    expect(cellText('calls', 12)).toBe('12');
    expect(cellText('traffic', 1.23456)).toBe('1.23');
    expect(cellText('stable', true)).toBe('✓');
    expect(cellText('note', null)).toBe('');
  });
});
