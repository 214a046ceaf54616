// Report filters → the query strings and paths of the reports API (one place, so every page,
// export button and test agrees on the names the server reads).

export const PRESETS = ['today', '7d', '30d', '45d', 'custom'] as const;
export type Preset = (typeof PRESETS)[number];

export const EXPORT_FORMATS = ['csv', 'xlsx'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** The period of a report: a preset, or (custom) the first and last day, "YYYY-MM-DD", inclusive. */
export interface Period {
  preset: Preset;
  from: string;
  to: string;
}

export function isPreset(value: unknown): value is Preset {
  return typeof value === 'string' && (PRESETS as readonly string[]).includes(value);
}

/** A local calendar day as "YYYY-MM-DD". */
export function isoDay(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

const DAYS: Record<Exclude<Preset, 'custom'>, number> = { today: 1, '7d': 7, '30d': 30, '45d': 45 };

/**
 * The days a preset covers, ending today (`now`), for showing next to the picker and for
 * starting a custom period from the preset in use. A custom period is its own from/to.
 */
export function presetRange(period: Period, now: Date): { from: string; to: string } {
  if (period.preset === 'custom') return { from: period.from, to: period.to };
  const first = new Date(now.getFullYear(), now.getMonth(), now.getDate() - (DAYS[period.preset] - 1));
  return { from: isoDay(first), to: isoDay(now) };
}

/** Checks of a custom period, as the field that is wrong (null: fine). */
export function periodProblem(period: Period): 'from' | 'to' | null {
  if (period.preset !== 'custom') return null;
  const day = /^\d{4}-\d{2}-\d{2}$/;
  if (!day.test(period.from)) return 'from';
  if (!day.test(period.to) || period.to < period.from) return 'to';
  return null;
}

export type Params = Record<string, string | number | boolean | null | undefined>;

/** The period's query parameters: the preset, and from/to only for a custom one. */
export function periodParams(period: Period): Params {
  return period.preset === 'custom' ? { preset: 'custom', from: period.from, to: period.to } : { preset: period.preset };
}

/** "?a=1&b=x" of the set parameters, in the order given (empty strings and nulls are left out). */
export function queryString(params: Params): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null || value === '') continue;
    search.append(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

/** The API path of a report (e.g. "dashboard", "groups/comparison") of a tenant with its parameters. */
export function reportPath(tenantId: string, report: string, params: Params = {}): string {
  const name = report
    .split('/')
    .map((part) => encodeURIComponent(part))
    .join('/');
  return `/api/tenants/${encodeURIComponent(tenantId)}/reports/${name}${queryString(params)}`;
}

/** The same report as a download: its parameters with format=csv|xlsx, paging dropped (the export is whole). */
export function exportPath(tenantId: string, report: string, params: Params, format: ExportFormat): string {
  const { limit: _limit, offset: _offset, format: _format, ...rest } = params;
  return reportPath(tenantId, report, { ...rest, format });
}

/** The file name of a download: the server's Content-Disposition, else `<report>.<format>`. */
export function downloadName(disposition: string | null, fallback: string): string {
  const star = disposition?.match(/filename\*\s*=\s*UTF-8''([^;]+)/i);
  if (star) {
    try {
      return decodeURIComponent(star[1].trim());
    } catch {
      /* fall through to the plain name */
    }
  }
  const plain = disposition?.match(/filename\s*=\s*"?([^";]+)"?/i);
  return plain?.[1].trim() || fallback;
}

/** The filters of the call search (F-REP-1). */
export interface CallFilters {
  direction: string;
  result: string;
  line: string;
  user: string;
  group: string;
  q: string;
  sort: string;
}

export const NO_CALL_FILTERS: CallFilters = { direction: '', result: '', line: '', user: '', group: '', q: '', sort: '-started_at' };

export function callSearchParams(period: Period, filters: CallFilters, page: { limit: number; offset: number }): Params {
  return {
    ...periodParams(period),
    direction: filters.direction,
    result: filters.result,
    line: filters.line.trim(),
    user: filters.user,
    group: filters.group,
    q: filters.q.trim(),
    sort: filters.sort,
    limit: page.limit,
    offset: page.offset,
  };
}
