// The Erlang C staffing forecast (F-REP-3): load from a group's calls in the period (or given
// arrival rate and handling time), a target answer time and the most operators to consider →
// a row per number of operators and a chart of the service level against it.
import { useState, type FormEvent } from 'react';
import type { ApiClient } from '../../api';
import { ProblemAlert } from '../../components/ProblemAlert';
import { useI18n } from '../../i18n';
import { useApi } from '../../useApi';
import { DEFAULT_FORECAST, forecastParams, forecastProblem, type ForecastInputs } from './catalog';
import { Chart } from './Chart';
import { columnLabel, DataTable } from './DataTable';
import { ExportButtons } from './ExportButtons';
import { GroupSelect } from './pickers';
import { periodProblem, reportPath, type Params, type Period } from './query';
import { columnsOf, rowsOf, seriesOf, type Row, type Series } from './series';

const COLUMNS = ['operators', 'stable', 'probability_wait', 'asa_seconds', 'queue_length', 'service_level', 'occupancy', 'note'];

/** Service level (in percent when the server gives a fraction) against the number of operators. */
export function serviceLevelSeries(rows: Row[]): Series {
  const series = seriesOf(rows, ['operators', 'N', 'n'], ['service_level']);
  const fraction = series.data.every((p) => Number(p.service_level) <= 1);
  return fraction ? { ...series, data: series.data.map((p) => ({ ...p, service_level: Math.round(Number(p.service_level) * 1000) / 10 })) } : series;
}

const TEXT_INPUTS = ['target_seconds', 'max_operators', 'arrival_per_hour', 'aht_seconds'] as const;

export function Forecast({ client, tenantId, period }: { client: ApiClient; tenantId: string; period: Period }) {
  const { t } = useI18n();
  const [inputs, setInputs] = useState<ForecastInputs>(DEFAULT_FORECAST);
  const [submitted, setSubmitted] = useState<Params | null>(null);
  const [invalid, setInvalid] = useState<keyof ForecastInputs | null>(null);
  const path = submitted ? reportPath(tenantId, 'forecast', submitted) : null;
  const { data, problem, loading, reload } = useApi<unknown>(path ? () => client.request('GET', path) : null, path ?? '');
  const rows = rowsOf(data);

  function submit(e: FormEvent) {
    e.preventDefault();
    const wrong = forecastProblem(inputs);
    setInvalid(wrong);
    if (!wrong && !periodProblem(period)) setSubmitted(forecastParams(period, inputs));
  }

  return (
    <div className="forecast" data-testid="forecast">
      <h2>{t('forecast.title')}</h2>
      <p className="muted">{t('forecast.hint')}</p>
      <form className="report-filters" onSubmit={submit}>
        <GroupSelect by="id" client={client} tenantId={tenantId} label={t('forecast.group')} value={inputs.group} onChange={(group) => setInputs({ ...inputs, group })} invalid={invalid === 'group'} />
        {TEXT_INPUTS.map((k) => (
          <label key={k} className="report-filter">
            <span>{t(`forecast.${k}`)}</span>
            <input inputMode="decimal" size={8} value={inputs[k]} aria-invalid={invalid === k || undefined} onChange={(e) => setInputs({ ...inputs, [k]: e.target.value })} />
          </label>
        ))}
        <button type="submit">{t('forecast.run')}</button>
      </form>
      {invalid && (
        <p className="field__error" role="alert">
          {t('forecast.invalid', { field: t(`forecast.${invalid}`) })}
        </p>
      )}
      {problem && <ProblemAlert problem={problem} onRetry={reload} />}
      {loading && <p className="muted">{t('common.loading')}</p>}
      {submitted && data !== undefined && (
        <>
          {typeof (data as { traffic_erlangs?: unknown }).traffic_erlangs === 'number' && (
            <p data-testid="forecast-load">
              {t('forecast.load', {
                erlangs: (data as { traffic_erlangs: number }).traffic_erlangs.toFixed(2),
                min: String((data as { minimum_stable_operators?: number }).minimum_stable_operators ?? ''),
              })}
            </p>
          )}
          <Chart title={t('forecast.chart')} series={serviceLevelSeries(rows)} kind="line" label={(k) => columnLabel(t, k)} />
          <DataTable
            testId="forecast-table"
            columns={columnsOf(rows, COLUMNS)}
            rows={rows}
            actions={<ExportButtons client={client} tenantId={tenantId} report="forecast" params={submitted} name="forecast" />}
          />
        </>
      )}
    </div>
  );
}
