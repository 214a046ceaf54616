// Schedules (F-CMP-6) as a week grid: the API's periods (weekday set + HH:MM–HH:MM, a whole
// day is 00:00–00:00, no period crosses midnight) ↔ per-day sets of open minutes.
// The conversion is exact (minute precision); the grid paints half-hour slots.

export const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Day = (typeof DAYS)[number];

export const DAY_MINUTES = 1440;

export interface Period {
  days: Day[];
  start: string;
  end: string;
}

export interface Hours {
  start: string;
  end: string;
}

/** [start, end) in minutes from midnight, 0 ≤ start < end ≤ 1440. */
export type Interval = readonly [number, number];

/** Each day's open time: sorted, non-overlapping, non-touching intervals. */
export type Week = Record<Day, Interval[]>;

export function emptyWeek(): Week {
  return { mon: [], tue: [], wed: [], thu: [], fri: [], sat: [], sun: [] };
}

export function isDay(value: unknown): value is Day {
  return typeof value === 'string' && (DAYS as readonly string[]).includes(value);
}

/** "09:30" → 570, "24:00" → 1440; null when it is not a time. */
export function parseTime(text: string): number | null {
  const m = /^\s*(\d{1,2}):(\d{2})\s*$/.exec(text);
  if (!m) return null;
  const h = Number(m[1]);
  const min = Number(m[2]);
  if (min > 59 || h > 24 || (h === 24 && min !== 0)) return null;
  return h * 60 + min;
}

/** 570 → "09:30", 1440 → "24:00". */
export function formatTime(minutes: number): string {
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`;
}

/** A period's or exception's hours as an interval; 00:00–00:00 is the whole day. */
export function hoursInterval(start: string, end: string): Interval | null {
  const s = parseTime(start);
  let e = parseTime(end);
  if (s === null || e === null) return null;
  if (s === 0 && e === 0) e = DAY_MINUTES;
  if (s >= DAY_MINUTES || e <= s) return null;
  return [s, e];
}

/** The API's hours of an interval: the whole day is 00:00–00:00, "until midnight" is 24:00. */
export function intervalHours([s, e]: Interval): Hours {
  if (s === 0 && e === DAY_MINUTES) return { start: '00:00', end: '00:00' };
  return { start: formatTime(s), end: formatTime(e) };
}

/** Sorted union of intervals (touching ones merged). */
export function normalize(intervals: readonly Interval[]): Interval[] {
  const sorted = intervals
    .map(([s, e]) => [Math.max(0, s), Math.min(DAY_MINUTES, e)] as const)
    .filter(([s, e]) => e > s)
    .sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const out: [number, number][] = [];
  for (const [s, e] of sorted) {
    const last = out[out.length - 1];
    if (last && s <= last[1]) last[1] = Math.max(last[1], e);
    else out.push([s, e]);
  }
  return out;
}

/**
 * The week the periods describe. Periods that cannot be read (a bad time, an end before the
 * start) are skipped; `invalid` lists their indexes so the editor can say so.
 */
export function periodsToWeek(periods: readonly Period[]): { week: Week; invalid: number[] } {
  const raw: Record<Day, Interval[]> = emptyWeek();
  const invalid: number[] = [];
  periods.forEach((p, i) => {
    const interval = hoursInterval(p.start, p.end);
    if (!interval || !Array.isArray(p.days)) {
      invalid.push(i);
      return;
    }
    for (const d of p.days) if (isDay(d)) raw[d].push(interval);
  });
  const week = emptyWeek();
  for (const d of DAYS) week[d] = normalize(raw[d]);
  return { week, invalid };
}

/**
 * The periods of a week: one period per distinct interval, with every day that has it
 * (days in week order); periods ordered by their first day, then start and end.
 */
export function weekToPeriods(week: Week): Period[] {
  const byInterval = new Map<string, { interval: Interval; days: Day[] }>();
  for (const d of DAYS) {
    for (const interval of normalize(week[d])) {
      const key = `${interval[0]}-${interval[1]}`;
      const entry = byInterval.get(key) ?? { interval, days: [] };
      entry.days.push(d);
      byInterval.set(key, entry);
    }
  }
  return [...byInterval.values()]
    .sort(
      (a, b) =>
        DAYS.indexOf(a.days[0]) - DAYS.indexOf(b.days[0]) || a.interval[0] - b.interval[0] || a.interval[1] - b.interval[1],
    )
    .map(({ interval, days }) => ({ days, ...intervalHours(interval) }));
}

/** Open (or close) [from, to) on `day`. */
export function paint(week: Week, day: Day, from: number, to: number, open: boolean): Week {
  const current = week[day];
  let next: Interval[];
  if (open) next = normalize([...current, [from, to]]);
  else {
    next = [];
    for (const [s, e] of current) {
      if (e <= from || s >= to) next.push([s, e]);
      else {
        if (s < from) next.push([s, from]);
        if (e > to) next.push([to, e]);
      }
    }
    next = normalize(next);
  }
  return { ...week, [day]: next };
}

export type Coverage = 'full' | 'partial' | 'none';

/** How much of [from, to) on `day` is open. */
export function coverage(week: Week, day: Day, from: number, to: number): Coverage {
  let covered = 0;
  for (const [s, e] of week[day]) covered += Math.max(0, Math.min(e, to) - Math.max(s, from));
  if (covered === 0) return 'none';
  return covered >= to - from ? 'full' : 'partial';
}

/** Copy one day's hours onto others. */
export function copyDay(week: Week, from: Day, to: readonly Day[]): Week {
  const next = { ...week };
  for (const d of to) next[d] = [...week[from]];
  return next;
}

export function setDay(week: Week, day: Day, intervals: readonly Interval[]): Week {
  return { ...week, [day]: normalize(intervals) };
}

/** The periods edited through the grid: paint a slot and get the periods back. */
export function paintPeriods(periods: readonly Period[], day: Day, from: number, to: number, open: boolean): Period[] {
  return weekToPeriods(paint(periodsToWeek(periods).week, day, from, to, open));
}

/** "Mon–Fri", "Mon, Wed, Sat–Sun": runs of three or more days become ranges. */
export function dayRanges(days: readonly Day[], names: Record<Day, string>): string {
  const idx = [...new Set(days.filter(isDay).map((d) => DAYS.indexOf(d)))].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < idx.length; ) {
    let j = i;
    while (j + 1 < idx.length && idx[j + 1] === idx[j] + 1) j++;
    if (j - i >= 2) parts.push(`${names[DAYS[idx[i]]]}–${names[DAYS[idx[j]]]}`);
    else for (let k = i; k <= j; k++) parts.push(names[DAYS[idx[k]]]);
    i = j + 1;
  }
  return parts.join(', ');
}

/** "Mon–Fri 09:00–18:00; Sat 10:00–14:00" (a whole day as 00:00–24:00). */
export function summarizePeriods(periods: readonly Period[], names: Record<Day, string>): string {
  return weekToPeriods(periodsToWeek(periods).week)
    .map((p) => {
      const interval = hoursInterval(p.start, p.end);
      const hours = interval ? `${formatTime(interval[0])}–${formatTime(interval[1])}` : `${p.start}–${p.end}`;
      return `${dayRanges(p.days, names)} ${hours}`;
    })
    .join('; ');
}

// --- exceptions -------------------------------------------------------------------------

export interface ScheduleException {
  date: string;
  open?: boolean;
  periods?: Hours[] | null;
  shorten_minutes?: number;
  note?: string;
}

export type ExceptionMode = 'closed' | 'usual' | 'hours';

/** An exception as the editor's row: hours typed as "10:00-14:00, 15:00-17:00". */
export interface ExceptionRow {
  date: string;
  mode: ExceptionMode;
  hours: string;
  shorten: number;
  note: string;
}

export function exceptionMode(ex: ScheduleException): ExceptionMode {
  if (!ex.open) return 'closed';
  return ex.periods && ex.periods.length ? 'hours' : 'usual';
}

export function formatHoursList(hours: readonly Hours[] | null | undefined): string {
  return (hours ?? []).map((h) => `${h.start}-${h.end}`).join(', ');
}

/** "10:00-14:00, 15:00-17:00" → hours; pieces that do not look like HH:MM-HH:MM are kept as typed for the server to name. */
export function parseHoursList(text: string): Hours[] {
  return text
    .split(/[,;\n]+/)
    .map((s) => s.trim())
    .filter(Boolean)
    .map((piece) => {
      const m = /^(\S+?)\s*[-–—]\s*(\S+)$/.exec(piece);
      return m ? { start: m[1], end: m[2] } : { start: piece, end: '' };
    });
}

export function exceptionToRow(ex: ScheduleException): ExceptionRow {
  return {
    date: ex.date,
    mode: exceptionMode(ex),
    hours: formatHoursList(ex.periods),
    shorten: ex.shorten_minutes ?? 0,
    note: ex.note ?? '',
  };
}

export function rowToException(row: ExceptionRow): ScheduleException {
  const out: ScheduleException = { date: row.date.trim(), open: row.mode !== 'closed', note: row.note };
  if (row.mode === 'hours') out.periods = parseHoursList(row.hours);
  if (row.mode !== 'closed' && row.shorten) out.shorten_minutes = row.shorten;
  return out;
}
