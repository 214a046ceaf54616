// Report tables → chart series and table columns. Pure: the pages draw what these return.

export type Row = Record<string, unknown>;

/**
 * A row with nested objects flattened into dotted keys ({total: {answered: 3}} → "total.answered")
 * and lists of scalars joined, so every cell is a scalar a table or chart can show.
 */
export function flatRow(row: Row, prefix = ''): Row {
  const out: Row = {};
  for (const [key, value] of Object.entries(row)) {
    const name = prefix ? `${prefix}.${key}` : key;
    if (Array.isArray(value)) {
      // A list of scalars is one cell; a list of objects (a timeline) is no table cell.
      if (value.every((v) => v === null || typeof v !== 'object')) out[name] = value.join(', ');
    }
    else if (value !== null && typeof value === 'object') Object.assign(out, flatRow(value as Row, name));
    else out[name] = value;
  }
  return out;
}

/** The rows of a report answer (a bare list, or the list under items/rows/operators), flattened. */
export function rowsOf(body: unknown): Row[] {
  const obj = body && typeof body === 'object' ? (body as Row) : {};
  const list = Array.isArray(body) ? body : (obj.items ?? obj.rows ?? obj.operators ?? []);
  return Array.isArray(list) ? list.filter((r): r is Row => !!r && typeof r === 'object' && !Array.isArray(r)).map((r) => flatRow(r)) : [];
}

/** The rows a chart draws: not the reports' total rows (key "total" or total_row). */
export function chartRows(rows: Row[]): Row[] {
  return rows.filter((r) => !r.total_row && r.key !== 'total');
}

/** The table columns of rows: their scalar keys in first-seen order, the `preferred` ones first. */
export function columnsOf(rows: Row[], preferred: readonly string[] = []): string[] {
  const seen = new Set<string>();
  for (const row of rows.slice(0, 50)) {
    for (const [key, value] of Object.entries(row)) {
      if (value !== null && typeof value === 'object') continue;
      seen.add(key);
    }
  }
  return [...preferred.filter((k) => seen.has(k)), ...[...seen].filter((k) => !preferred.includes(k))];
}

export function toNumber(value: unknown): number {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  return Number.isFinite(n) ? n : 0;
}

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;
const ISO_DAY = /^\d{4}-\d{2}-\d{2}$/;

/** A short axis label: an hour of the day (with `hour`) as "09:00", a timestamp as its local "DD.MM HH:MM" (or "HH:MM" with `timeOnly`), a day as "DD.MM". */
export function axisLabel(value: unknown, { timeOnly = false, hour = false } = {}): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  if (hour && typeof value === 'number' && Number.isInteger(value) && value >= 0 && value < 24) return `${pad(value)}:00`;
  if (typeof value === 'string' && ISO_DAY.test(value)) return `${value.slice(8, 10)}.${value.slice(5, 7)}`;
  if (typeof value === 'string' && ISO_TIME.test(value)) {
    const d = new Date(value);
    if (!Number.isNaN(d.getTime())) {
      const time = `${pad(d.getHours())}:${pad(d.getMinutes())}`;
      return timeOnly ? time : `${pad(d.getDate())}.${pad(d.getMonth() + 1)} ${time}`;
    }
  }
  return value === null || value === undefined ? '' : String(value);
}

export interface Series {
  /** One point per row: `label` for the x axis, one number per series key. */
  data: Row[];
  keys: string[];
}

/**
 * A chart of rows: x from the first of `xKeys` the rows have, one series for each of `yKeys`
 * they have (numbers; anything else is 0). No rows or no such keys: no series.
 */
export function seriesOf(rows: Row[], xKeys: readonly string[], yKeys: readonly string[], timeOnly = false): Series {
  const has = (k: string) => rows.some((r) => Object.hasOwn(r, k));
  const x = xKeys.find(has);
  // "prefix.*" stands for every key under that prefix (an operator's seconds per state).
  const keys = yKeys.flatMap((k) => (k.endsWith('.*') ? columnsOf(rows).filter((c) => c.startsWith(k.slice(0, -1))) : has(k) ? [k] : []));
  if (!x || keys.length === 0) return { data: [], keys: [] };
  return {
    keys,
    data: rows.map((r) => ({ label: axisLabel(r[x], { timeOnly, hour: x === 'hour' }), ...Object.fromEntries(keys.map((k) => [k, toNumber(r[k])])) })),
  };
}

/**
 * Long rows → one point per `x` with a series for each value of `by` (e.g. line occupancy: one
 * row per line and interval start → one point per start, a series per line). Points are in the
 * order of their x values (ISO times sort as text); a missing (x, series) pair is 0.
 */
export function pivot(rows: Row[], x: string, by: string, value: string, timeOnly = false): Series {
  const points = new Map<string, Row>();
  const keys: string[] = [];
  for (const row of rows) {
    const at = String(row[x] ?? '');
    const key = String(row[by] ?? '');
    if (!keys.includes(key)) keys.push(key);
    let point = points.get(at);
    if (!point) points.set(at, (point = { label: axisLabel(row[x], { timeOnly }) }));
    point[key] = toNumber(point[key]) + toNumber(row[value]);
  }
  const data = [...points.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, p]) => p)
    .map((p) => ({ ...Object.fromEntries(keys.map((k) => [k, 0])), ...p }));
  return { data, keys };
}

/** Seconds as "m:ss" (or "h:mm:ss"); a cell of a duration column. */
export function duration(seconds: unknown): string {
  const total = Math.round(toNumber(seconds));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

/** A table cell: durations (…_seconds, avg_…) as times, shares (service_level, occupancy, p_wait ≤ 1) as percents, timestamps local. */
export function cellText(key: string, value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'boolean') return value ? '✓' : '';
  if (typeof value === 'number') {
    const last = key.split('.').pop() ?? key;
    if ((/_seconds$|^(seconds|duration|wait|talk|reaction)$/.test(last) || key.startsWith('summary.')) && last !== 'target_seconds')
      return duration(value);
    // Epoch seconds of the queue calls' moments.
    if (/^(joined|left|answered)$/.test(last) && value > 1e9) return new Date(value * 1000).toLocaleString();
    if (/_pct$/.test(last)) return `${value.toFixed(1)}%`;
    if (/^(service_level|occupancy|p_wait|probability_wait|probability_immediate)$/.test(last) && value >= 0 && value <= 1) return `${(value * 100).toFixed(1)}%`;
    return Number.isInteger(value) ? String(value) : value.toFixed(2);
  }
  if (typeof value === 'string' && ISO_TIME.test(value)) {
    const d = new Date(value);
    if (!Number.isNaN(d.getTime())) return d.toLocaleString();
  }
  return String(value);
}
