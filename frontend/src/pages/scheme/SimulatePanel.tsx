// "Test a call": a scenario (number, caller, time, keys, how callees behave) run through
// the simulator; the path shows here and on the canvas.
import { useState } from 'react';
import { toProblem, type Problem } from '../../api';
import { ProblemAlert } from '../../components/ProblemAlert';
import { nodeLabel, portLabel } from '../../flow/labels';
import { simulationRequest, type Behaviour, type ScenarioForm } from '../../flow/simulate';
import type { SimulationRequest, SimulationResult } from '../../flow/types';
import { useI18n, type MessageKey, type Translate } from '../../i18n';

const BEHAVIOURS: Behaviour[] = ['answer', 'busy', 'no_answer', 'unavailable'];
const OUTCOMES = new Set(['answered', 'hangup', 'voicemail', 'internal', 'forwarded', 'fax', 'hop_limit', 'no_route', 'waiting']);

function outcomeLabel(result: string, t: Translate): string {
  return OUTCOMES.has(result) ? t(`outcome.${result}` as MessageKey) : result;
}

interface Props {
  numbers: string[];
  published: boolean;
  result: SimulationResult | null;
  onRun: (request: SimulationRequest) => Promise<SimulationResult>;
  onClear: () => void;
}

export function SimulatePanel({ numbers, published, result, onRun, onClear }: Props) {
  const { t } = useI18n();
  const [form, setForm] = useState<ScenarioForm>({
    number: numbers[0] ?? '',
    caller: '',
    at: '',
    keys: '',
    callees: [],
    revision: 'draft',
  });
  const [problem, setProblem] = useState<Problem | null>(null);
  const [formErrors, setFormErrors] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const set = <K extends keyof ScenarioForm>(key: K, value: ScenarioForm[K]) => setForm((f) => ({ ...f, [key]: value }));
  const number = form.number || numbers[0] || '';

  const run = async () => {
    const { request, errors } = simulationRequest({ ...form, number });
    setFormErrors(errors);
    if (errors.length) return;
    setBusy(true);
    setProblem(null);
    try {
      await onRun(request);
    } catch (error) {
      setProblem(toProblem(error));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="simulate" data-testid="simulate">
      <h2>{t('sim.title')}</h2>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void run();
        }}
      >
        <div className="field">
          <label htmlFor="sim-number">{t('sim.number')}</label>
          <input id="sim-number" list="sim-numbers" value={number} onChange={(e) => set('number', e.target.value)} />
          <datalist id="sim-numbers">
            {numbers.map((n) => (
              <option key={n} value={n} />
            ))}
          </datalist>
        </div>
        <div className="field">
          <label htmlFor="sim-caller">{t('sim.caller')}</label>
          <input id="sim-caller" value={form.caller} placeholder="+74951234567" onChange={(e) => set('caller', e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="sim-at">{t('sim.at')}</label>
          <input id="sim-at" type="datetime-local" value={form.at} onChange={(e) => set('at', e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="sim-keys">{t('sim.keys')}</label>
          <input id="sim-keys" value={form.keys} placeholder="1@2, 3@8" onChange={(e) => set('keys', e.target.value)} />
          <div className="field__hint muted">{t('sim.keysHint')}</div>
        </div>
        <fieldset className="callees">
          <legend>{t('sim.callees')}</legend>
          {form.callees.map((row, i) => (
            <div className="callee-row" key={i}>
              <input
                aria-label={t('sim.calleeNumber')}
                value={row.target}
                placeholder="201"
                onChange={(e) => set('callees', form.callees.map((r, j) => (j === i ? { ...r, target: e.target.value } : r)))}
              />
              <select
                aria-label={t('sim.behaviour')}
                value={row.behaviour}
                onChange={(e) =>
                  set('callees', form.callees.map((r, j) => (j === i ? { ...r, behaviour: e.target.value as Behaviour } : r)))
                }
              >
                {BEHAVIOURS.map((b) => (
                  <option key={b} value={b}>
                    {t(`sim.behaviour.${b}` as MessageKey)}
                  </option>
                ))}
              </select>
              <input
                aria-label={t('sim.after')}
                type="number"
                min={0}
                value={row.after}
                onChange={(e) => set('callees', form.callees.map((r, j) => (j === i ? { ...r, after: Number(e.target.value) } : r)))}
              />
              <button
                type="button"
                className="link-button"
                aria-label={t('sim.removeCallee')}
                onClick={() => set('callees', form.callees.filter((_, j) => j !== i))}
              >
                ×
              </button>
            </div>
          ))}
          <button
            type="button"
            className="link-button"
            onClick={() => set('callees', [...form.callees, { target: '', behaviour: 'answer', after: 3 }])}
          >
            {t('sim.addCallee')}
          </button>
        </fieldset>
        <div className="field">
          <label htmlFor="sim-revision">{t('sim.revision')}</label>
          <select
            id="sim-revision"
            value={form.revision}
            onChange={(e) => set('revision', e.target.value as ScenarioForm['revision'])}
          >
            <option value="draft">{t('sim.draft')}</option>
            {published && <option value="published">{t('sim.published')}</option>}
          </select>
        </div>
        {formErrors.length > 0 && (
          <div className="alert" role="alert">
            {t('sim.badInput', { items: formErrors.join(' ') })}
          </div>
        )}
        {problem && <ProblemAlert problem={problem} />}
        <div className="button-row">
          <button type="submit" className="primary" disabled={busy || !number}>
            {t('sim.run')}
          </button>
          {result && (
            <button type="button" onClick={onClear}>
              {t('sim.clear')}
            </button>
          )}
        </div>
      </form>
      {result && (
        <div className="sim-result" data-testid="sim-result">
          <p className={`sim-outcome sim-outcome--${result.outcome.result}`} data-testid="sim-outcome">
            <strong>{t('sim.outcome')}:</strong> {outcomeLabel(result.outcome.result, t)}
            {result.outcome.reason && <span className="muted"> — {result.outcome.reason}</span>}
          </p>
          <ol className="sim-path">
            {result.path.map((v, i) => (
              <li key={i}>
                <span className="mono">{v.node}</span> <span className="muted">{nodeLabel(v.type, t)}</span>
                {v.port && <> → {portLabel(v.port, t)}</>} <span className="muted">({t('sim.atSeconds', { s: v.at })})</span>
              </li>
            ))}
          </ol>
        </div>
      )}
    </section>
  );
}
