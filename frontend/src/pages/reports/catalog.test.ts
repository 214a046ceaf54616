import { describe, expect, it } from 'vitest';
import { CC_REPORTS, CC_SPECS, ccApiName, ccParams, DEFAULT_CC_FILTERS, DEFAULT_FORECAST, forecastParams, forecastProblem, missingFilter } from './catalog';
import { reportPath } from './query';

const week = { preset: '7d' as const, from: '', to: '' };

describe('contact-centre reports', () => {
  it('sends each report only the filters it takes', () => {
    const filters = { ...DEFAULT_CC_FILTERS, group: 'g1', operator: '201', parameter: 'avg_talk', interval: '15', qos_seconds: '30' };
    expect(reportPath('t1', ccApiName('chronology', filters), ccParams('chronology', week, filters))).toBe(
      '/api/tenants/t1/reports/groups/chronology?preset=7d&group=g1&parameter=avg_talk&interval=15&qos_seconds=30',
    );
    expect(reportPath('t1', ccApiName('comparison', filters), ccParams('comparison', week, filters))).toBe(
      '/api/tenants/t1/reports/groups/comparison?preset=7d&qos_seconds=30',
    );
    expect(reportPath('t1', ccApiName('group-operators', filters), ccParams('group-operators', week, filters))).toBe(
      '/api/tenants/t1/reports/groups/g1/operators?preset=7d&operator=201',
    );
    expect(reportPath('t1', ccApiName('operators', filters), ccParams('operators', week, filters))).toBe(
      '/api/tenants/t1/reports/operators?preset=7d&operator=201&group=g1',
    );
    expect(reportPath('t1', ccApiName('line-occupancy', filters), ccParams('line-occupancy', week, filters))).toBe(
      '/api/tenants/t1/reports/line-occupancy?preset=7d&interval=15',
    );
  });

  it('waits for the filter a report needs', () => {
    expect(missingFilter('group-operators', DEFAULT_CC_FILTERS)).toBe('group');
    expect(missingFilter('operators', DEFAULT_CC_FILTERS)).toBe('operator');
    expect(missingFilter('comparison', DEFAULT_CC_FILTERS)).toBeNull();
    expect(missingFilter('operator-states', DEFAULT_CC_FILTERS)).toBeNull();
  });

  it('asks for required filters among those the report takes', () => {
    for (const r of CC_REPORTS) {
      const req = CC_SPECS[r].requires;
      if (req) expect(CC_SPECS[r].filters).toContain(req);
    }
  });
});

describe('forecast inputs', () => {
  it('needs a group or both arrival rate and handling time', () => {
    expect(forecastProblem(DEFAULT_FORECAST)).toBe('group');
    expect(forecastProblem({ ...DEFAULT_FORECAST, group: '101' })).toBeNull();
    expect(forecastProblem({ ...DEFAULT_FORECAST, arrival_per_hour: '120' })).toBe('group');
    expect(forecastProblem({ ...DEFAULT_FORECAST, arrival_per_hour: '120', aht_seconds: '180' })).toBeNull();
  });

  it('names the input that is not a positive number', () => {
    const ok = { ...DEFAULT_FORECAST, group: '101' };
    expect(forecastProblem({ ...ok, target_seconds: '0' })).toBe('target_seconds');
    expect(forecastProblem({ ...ok, target_seconds: 'ten' })).toBe('target_seconds');
    expect(forecastProblem({ ...ok, max_operators: '2.5' })).toBe('max_operators');
    expect(forecastProblem({ ...ok, max_operators: '0' })).toBe('max_operators');
    expect(forecastProblem({ ...ok, aht_seconds: '-3' })).toBe('aht_seconds');
  });

  it('sends the inputs given, trimmed', () => {
    const params = forecastParams(week, { ...DEFAULT_FORECAST, arrival_per_hour: ' 120 ', aht_seconds: '180' });
    expect(reportPath('t1', 'forecast', params)).toBe(
      '/api/tenants/t1/reports/forecast?preset=7d&target_seconds=20&max_operators=15&arrival_per_hour=120&aht_seconds=180',
    );
  });
});
