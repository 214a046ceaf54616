// The contact-centre reports (F-REP-3): each one's API path, the filters it takes and the
// chart drawn of its table. The page builds its picker, filter row and chart from this.
import type { Params, Period } from './query';
import { periodParams } from './query';

export const CC_REPORTS = [
  'comparison',
  'chronology',
  'group-operators',
  'operators',
  'queue-calls',
  'line-occupancy',
  'operator-states',
] as const;
export type CcReport = (typeof CC_REPORTS)[number];

export const CHRONOLOGY_PARAMETERS = ['calls', 'avg_talk', 'avg_reaction', 'avg_abandon', 'avg_answer', 'service_level'] as const;
export const INTERVALS = ['15', '30', '60', 'day'] as const;

export type CcFilter = 'group' | 'operator' | 'parameter' | 'interval' | 'qos_seconds';

export interface CcFilters {
  group: string;
  operator: string;
  parameter: string;
  interval: string;
  qos_seconds: string;
}

export const DEFAULT_CC_FILTERS: CcFilters = { group: '', operator: '', parameter: 'calls', interval: '60', qos_seconds: '20' };

export interface ChartSpec {
  kind: 'bar' | 'line';
  /** The x value: the first of these keys the rows have. */
  x: readonly string[];
  /** The series: those of these keys the rows have (flattened keys, e.g. "total.answered"). */
  y: readonly string[];
  stacked?: boolean;
}

export interface CcSpec {
  filters: readonly CcFilter[];
  /** A filter without which the report cannot run. */
  requires?: CcFilter;
  chart?: ChartSpec;
  /** Columns shown first when the rows have them. */
  columns?: readonly string[];
  /** Columns not shown (moments as epoch seconds, flags). */
  hidden?: readonly string[];
}

// `group` is a group's id, `operator` an extension number (as the API takes them).
const OPERATOR_COLUMNS = ['key', 'name', 'offered', 'answered', 'missed', 'missed_pct', 'talk_seconds', 'avg_talk_seconds', 'avg_reaction_seconds', 'wrap_up_seconds'];

export const CC_SPECS: Record<CcReport, CcSpec> = {
  operators: {
    filters: ['operator', 'group'],
    requires: 'operator',
    chart: { kind: 'bar', x: ['key', 'name', 'operator'], y: ['answered', 'missed'], stacked: true },
    columns: OPERATOR_COLUMNS,
  },
  'group-operators': {
    filters: ['group', 'operator'],
    requires: 'group',
    chart: { kind: 'bar', x: ['key', 'name', 'operator'], y: ['answered', 'missed'], stacked: true },
    columns: OPERATOR_COLUMNS,
  },
  chronology: {
    filters: ['group', 'parameter', 'interval', 'qos_seconds'],
    chart: { kind: 'bar', x: ['start'], y: ['total.answered', 'total.lost', 'total.value'], stacked: true },
    columns: ['start', 'end'],
    hidden: ['total_row'],
  },
  'queue-calls': {
    filters: ['group', 'operator'],
    columns: ['joined_at', 'caller', 'status', 'wait', 'talk', 'group', 'group_name', 'operator', 'operator_name', 'position'],
    hidden: ['joined', 'left', 'answered', 'outcome', 'ended_by', 'call_id'],
  },
  'line-occupancy': {
    filters: ['interval'],
    chart: { kind: 'bar', x: ['start'], y: ['max_lines'] },
    columns: ['start', 'end', 'max_lines'],
    hidden: ['n', 'total_row'],
  },
  comparison: {
    filters: ['qos_seconds'],
    chart: { kind: 'bar', x: ['key', 'name', 'group'], y: ['service_level_pct', 'service_level'] },
    columns: ['key', 'name', 'received', 'answered', 'lost', 'lost_pct', 'service_level_pct'],
  },
  'operator-states': {
    filters: ['operator', 'group'],
    chart: { kind: 'bar', x: ['operator'], y: ['summary.*'], stacked: true },
    columns: ['operator', 'name', 'device'],
  },
};

/** The API report name of a contact-centre report ("groups/<id>/operators" needs the group). */
export function ccApiName(report: CcReport, filters: CcFilters): string {
  switch (report) {
    case 'group-operators':
      return `groups/${filters.group}/operators`;
    case 'chronology':
      return 'groups/chronology';
    case 'comparison':
      return 'groups/comparison';
    default:
      return report;
  }
}

/** The query parameters of a contact-centre report: the period and only the filters it takes. */
export function ccParams(report: CcReport, period: Period, filters: CcFilters): Params {
  const params: Params = { ...periodParams(period) };
  for (const f of CC_SPECS[report].filters) {
    if (report === 'group-operators' && f === 'group') continue; // in the path
    params[f] = filters[f];
  }
  return params;
}

/** The filter a report still needs before it can run (null: ready). */
export function missingFilter(report: CcReport, filters: CcFilters): CcFilter | null {
  const needed = CC_SPECS[report].requires;
  return needed && !filters[needed] ? needed : null;
}

/** The parameters of the Erlang C forecast (F-REP-3): from a group's history, or given arrival/AHT. */
export interface ForecastInputs {
  group: string;
  target_seconds: string;
  max_operators: string;
  arrival_per_hour: string;
  aht_seconds: string;
}

export const DEFAULT_FORECAST: ForecastInputs = { group: '', target_seconds: '20', max_operators: '15', arrival_per_hour: '', aht_seconds: '' };

/** The first input that is not a positive number where one is needed (null: fine). */
export function forecastProblem(inputs: ForecastInputs): keyof ForecastInputs | null {
  const positive = (v: string) => /^\d+(\.\d+)?$/.test(v.trim()) && Number(v) > 0;
  if (!positive(inputs.target_seconds)) return 'target_seconds';
  if (!/^\d+$/.test(inputs.max_operators.trim()) || Number(inputs.max_operators) < 1) return 'max_operators';
  for (const k of ['arrival_per_hour', 'aht_seconds'] as const) if (inputs[k].trim() && !positive(inputs[k])) return k;
  if (!inputs.group && !(inputs.arrival_per_hour.trim() && inputs.aht_seconds.trim())) return 'group';
  return null;
}

export function forecastParams(period: Period, inputs: ForecastInputs): Params {
  return {
    ...periodParams(period),
    group: inputs.group,
    target_seconds: inputs.target_seconds.trim(),
    max_operators: inputs.max_operators.trim(),
    arrival_per_hour: inputs.arrival_per_hour.trim(),
    aht_seconds: inputs.aht_seconds.trim(),
  };
}
