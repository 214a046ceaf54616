// The period of every report: a preset (today, 7/30/45 days) or a custom first and last day.
import { useI18n } from '../../i18n';
import { isPreset, periodProblem, PRESETS, presetRange, type Period } from './query';

export function PeriodPicker({ period, onChange, now = new Date() }: { period: Period; onChange: (p: Period) => void; now?: Date }) {
  const { t } = useI18n();
  const range = presetRange(period, now);
  const bad = periodProblem(period);
  return (
    <fieldset className="period-picker">
      <legend>{t('reports.period')}</legend>
      <select
        aria-label={t('reports.period')}
        value={period.preset}
        onChange={(e) => {
          const preset = e.target.value;
          if (!isPreset(preset)) return;
          // A custom period starts from the days the preset showed.
          onChange(preset === 'custom' ? { preset, ...range } : { ...period, preset });
        }}
      >
        {PRESETS.map((p) => (
          <option key={p} value={p}>
            {t(`reports.preset.${p}`)}
          </option>
        ))}
      </select>
      {period.preset === 'custom' ? (
        <>
          <label>
            {t('reports.from')}{' '}
            <input type="date" value={period.from} aria-invalid={bad === 'from'} onChange={(e) => onChange({ ...period, from: e.target.value })} />
          </label>
          <label>
            {t('reports.to')}{' '}
            <input type="date" value={period.to} aria-invalid={bad === 'to'} onChange={(e) => onChange({ ...period, to: e.target.value })} />
          </label>
          {bad && (
            <span className="field__error" role="alert">
              {t('reports.badPeriod')}
            </span>
          )}
        </>
      ) : (
        <span className="muted">{t('reports.range', range)}</span>
      )}
    </fieldset>
  );
}
