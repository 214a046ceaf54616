import { describe, expect, it } from 'vitest';
import {
  copyDay,
  coverage,
  dayRanges,
  DAYS,
  emptyWeek,
  exceptionToRow,
  formatTime,
  hoursInterval,
  normalize,
  paint,
  paintPeriods,
  parseHoursList,
  parseTime,
  periodsToWeek,
  rowToException,
  summarizePeriods,
  weekToPeriods,
  type Day,
  type Period,
} from './scheduleModel';

const names = Object.fromEntries(DAYS.map((d) => [d, d[0].toUpperCase() + d.slice(1)])) as Record<Day, string>;
const weekdays: Day[] = ['mon', 'tue', 'wed', 'thu', 'fri'];

describe('times', () => {
  it('reads and writes HH:MM, 24:00 being midnight at the end of the day', () => {
    expect(parseTime('09:30')).toBe(570);
    expect(parseTime('9:05')).toBe(545);
    expect(parseTime('24:00')).toBe(1440);
    for (const bad of ['24:30', '12:60', 'noon', '1230', '']) expect(parseTime(bad)).toBeNull();
    expect(formatTime(570)).toBe('09:30');
    expect(formatTime(1440)).toBe('24:00');
    expect(hoursInterval('00:00', '00:00')).toEqual([0, 1440]);
    expect(hoursInterval('22:00', '24:00')).toEqual([1320, 1440]);
    expect(hoursInterval('22:00', '06:00')).toBeNull(); // periods do not cross midnight
    expect(hoursInterval('10:00', '10:00')).toBeNull();
  });

  it('merges overlapping and touching intervals', () => {
    expect(normalize([[600, 700], [540, 620], [700, 720], [800, 900]])).toEqual([[540, 720], [800, 900]]);
    expect(normalize([[-10, 30], [1400, 2000]])).toEqual([[0, 30], [1400, 1440]]);
  });
});

describe('periods ↔ week grid', () => {
  it('turns periods into per-day open time and back, grouping days with the same hours', () => {
    const periods: Period[] = [
      { days: weekdays, start: '09:00', end: '13:00' },
      { days: weekdays, start: '12:00', end: '18:00' }, // overlaps: adds up
      { days: ['sat'], start: '10:00', end: '14:00' },
      { days: ['sun'], start: '00:00', end: '00:00' },
    ];
    const { week, invalid } = periodsToWeek(periods);
    expect(invalid).toEqual([]);
    expect(week.mon).toEqual([[540, 1080]]);
    expect(week.sun).toEqual([[0, 1440]]);
    expect(weekToPeriods(week)).toEqual([
      { days: weekdays, start: '09:00', end: '18:00' },
      { days: ['sat'], start: '10:00', end: '14:00' },
      { days: ['sun'], start: '00:00', end: '00:00' },
    ]);
  });

  it('keeps minute precision and 24:00', () => {
    const periods: Period[] = [{ days: ['fri', 'mon'], start: '08:45', end: '17:15' }, { days: ['mon'], start: '22:00', end: '24:00' }];
    expect(weekToPeriods(periodsToWeek(periods).week)).toEqual([
      { days: ['mon', 'fri'], start: '08:45', end: '17:15' },
      { days: ['mon'], start: '22:00', end: '24:00' },
    ]);
  });

  it('skips periods it cannot read, and says which', () => {
    const { week, invalid } = periodsToWeek([{ days: ['mon'], start: '22:00', end: '06:00' }, { days: ['tue'], start: '09:00', end: '10:00' }]);
    expect(invalid).toEqual([0]);
    expect(week.mon).toEqual([]);
    expect(week.tue).toEqual([[540, 600]]);
  });

  it('round-trips any week it produced', () => {
    let seed = 7;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n);
    for (let run = 0; run < 200; run++) {
      let week = emptyWeek();
      for (let k = 0; k < 6; k++) {
        const from = rand(48) * 30;
        week = paint(week, DAYS[rand(7)], from, from + (1 + rand(10)) * 30, rand(3) > 0);
      }
      const periods = weekToPeriods(week);
      expect(periodsToWeek(periods).week).toEqual(week);
      expect(weekToPeriods(periodsToWeek(periods).week)).toEqual(periods);
    }
  });

  it('paints slots open and closed', () => {
    let week = emptyWeek();
    week = paint(week, 'mon', 540, 1080, true);
    week = paint(week, 'mon', 780, 840, false); // lunch
    expect(week.mon).toEqual([[540, 780], [840, 1080]]);
    expect(coverage(week, 'mon', 540, 570)).toBe('full');
    expect(coverage(week, 'mon', 770, 800)).toBe('partial');
    expect(coverage(week, 'mon', 800, 830)).toBe('none');
    week = paint(week, 'mon', 780, 840, true);
    expect(week.mon).toEqual([[540, 1080]]);
    week = copyDay(week, 'mon', ['tue', 'wed']);
    expect(weekToPeriods(week)).toEqual([{ days: ['mon', 'tue', 'wed'], start: '09:00', end: '18:00' }]);
    expect(paintPeriods([{ days: ['mon', 'tue'], start: '09:00', end: '18:00' }], 'tue', 0, 1440, true)).toEqual([
      { days: ['mon'], start: '09:00', end: '18:00' },
      { days: ['tue'], start: '00:00', end: '00:00' },
    ]);
  });

  it('summarises periods with day ranges', () => {
    expect(dayRanges(['mon', 'tue', 'wed', 'thu', 'fri'], names)).toBe('Mon–Fri');
    expect(dayRanges(['sun', 'mon', 'tue', 'sat'], names)).toBe('Mon, Tue, Sat, Sun');
    expect(dayRanges(['mon', 'wed', 'thu', 'fri', 'sun'], names)).toBe('Mon, Wed–Fri, Sun');
    expect(
      summarizePeriods(
        [
          { days: weekdays, start: '09:00', end: '18:00' },
          { days: ['sat', 'sun'], start: '00:00', end: '00:00' },
        ],
        names,
      ),
    ).toBe('Mon–Fri 09:00–18:00; Sat, Sun 00:00–24:00');
  });
});

describe('exceptions', () => {
  it('maps API exceptions to editor rows and back', () => {
    expect(exceptionToRow({ date: '2025-01-01', open: false, note: 'New Year' })).toEqual({ date: '2025-01-01', mode: 'closed', hours: '', shorten: 0, note: 'New Year' });
    expect(exceptionToRow({ date: '2025-11-01', open: true })).toMatchObject({ mode: 'usual' });
    const custom = { date: '2025-12-31', open: true, periods: [{ start: '10:00', end: '14:00' }, { start: '15:00', end: '16:00' }], note: '' };
    const row = exceptionToRow(custom);
    expect(row).toEqual({ date: '2025-12-31', mode: 'hours', hours: '10:00-14:00, 15:00-16:00', shorten: 0, note: '' });
    expect(rowToException(row)).toEqual(custom);
    expect(rowToException({ date: ' 2025-03-07 ', mode: 'usual', hours: 'ignored', shorten: 60, note: 'short' })).toEqual({
      date: '2025-03-07',
      open: true,
      shorten_minutes: 60,
      note: 'short',
    });
    expect(rowToException({ date: '2025-05-01', mode: 'closed', hours: '', shorten: 30, note: '' })).toEqual({ date: '2025-05-01', open: false, note: '' });
  });

  it('reads typed hours, keeping what it cannot read for the server to name', () => {
    expect(parseHoursList('10:00-14:00; 15:00 – 16:30\n')).toEqual([
      { start: '10:00', end: '14:00' },
      { start: '15:00', end: '16:30' },
    ]);
    expect(parseHoursList('noon')).toEqual([{ start: 'noon', end: '' }]);
    expect(parseHoursList('  ')).toEqual([]);
  });
});
