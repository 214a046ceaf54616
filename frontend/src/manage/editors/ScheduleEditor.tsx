// A schedule's week as a grid of half-hour slots (drag a rectangle to open or close it; Space
// or Enter toggles one slot), the periods it makes (editable to the minute), and the date
// exceptions (holidays, moved working days, shortened days).
import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import { useI18n, type MessageKey, type Translate } from '../../i18n';
import { rowErrors } from '../formErrors';
import {
  coverage,
  DAYS,
  dayRanges,
  DAY_MINUTES,
  formatTime,
  isDay,
  paint,
  periodsToWeek,
  weekToPeriods,
  type Day,
  type ExceptionMode,
  type ExceptionRow,
  type Period,
} from '../scheduleModel';
import type { CustomFieldProps } from '../types';
import { errorAt, RestErrors, RowError } from './inputs';

export const SLOT = 30;
const SLOTS = DAY_MINUTES / SLOT;

export function dayNames(t: Translate, short = true): Record<Day, string> {
  const out = {} as Record<Day, string>;
  for (const d of DAYS) out[d] = t(`day.${short ? 'short' : 'long'}.${d}` as MessageKey);
  return out;
}

interface Drag {
  day0: number;
  slot0: number;
  day1: number;
  slot1: number;
  open: boolean;
}

function inRect(drag: Drag, day: number, slot: number): boolean {
  return (
    day >= Math.min(drag.day0, drag.day1) &&
    day <= Math.max(drag.day0, drag.day1) &&
    slot >= Math.min(drag.slot0, drag.slot1) &&
    slot <= Math.max(drag.slot0, drag.slot1)
  );
}

/** Apply a dragged rectangle to the periods. */
export function applyRect(periods: readonly Period[], drag: Drag): Period[] {
  let week = periodsToWeek(periods).week;
  const from = Math.min(drag.slot0, drag.slot1) * SLOT;
  const to = (Math.max(drag.slot0, drag.slot1) + 1) * SLOT;
  for (let d = Math.min(drag.day0, drag.day1); d <= Math.max(drag.day0, drag.day1); d++) week = paint(week, DAYS[d], from, to, drag.open);
  return weekToPeriods(week);
}

export function WeekGrid({ value, onChange, errors, disabled, id }: CustomFieldProps) {
  const { t } = useI18n();
  const periods = Array.isArray(value) ? (value as Period[]) : [];
  const { week, invalid } = periodsToWeek(periods);
  const [drag, setDrag] = useState<Drag | null>(null);
  const dragRef = useRef<Drag | null>(null);
  const periodsRef = useRef(periods);
  periodsRef.current = periods;
  const names = dayNames(t);
  const longNames = dayNames(t, false);

  const onChangeRef = useRef(onChange);
  onChangeRef.current = onChange;
  const stopRef = useRef<(() => void) | null>(null);
  useEffect(() => () => stopRef.current?.(), []);

  function start(day: number, slot: number) {
    if (disabled) return;
    const open = coverage(week, DAYS[day], slot * SLOT, (slot + 1) * SLOT) !== 'full';
    const d = { day0: day, slot0: slot, day1: day, slot1: slot, open };
    dragRef.current = d;
    setDrag(d);
    // Listen on the window at once: the button may be gone (or the pointer elsewhere) on release.
    const end = () => {
      stop();
      const last = dragRef.current;
      dragRef.current = null;
      setDrag(null);
      if (last) onChangeRef.current(applyRect(periodsRef.current, last));
    };
    const stop = () => {
      window.removeEventListener('pointerup', end);
      window.removeEventListener('pointercancel', end);
      stopRef.current = null;
    };
    stopRef.current?.();
    stopRef.current = stop;
    window.addEventListener('pointerup', end);
    window.addEventListener('pointercancel', end);
  }

  function extend(day: number, slot: number) {
    const d = dragRef.current;
    if (!d || (d.day1 === day && d.slot1 === slot)) return;
    const next = { ...d, day1: day, slot1: slot };
    dragRef.current = next;
    setDrag(next);
  }

  function onKey(e: KeyboardEvent<HTMLButtonElement>, day: number, slot: number) {
    if (e.key === ' ' || e.key === 'Enter') {
      e.preventDefault();
      if (disabled) return;
      const open = coverage(week, DAYS[day], slot * SLOT, (slot + 1) * SLOT) !== 'full';
      onChange(applyRect(periods, { day0: day, slot0: slot, day1: day, slot1: slot, open }));
      return;
    }
    const moves: Record<string, [number, number]> = { ArrowLeft: [0, -1], ArrowRight: [0, 1], ArrowUp: [-1, 0], ArrowDown: [1, 0] };
    const move = moves[e.key];
    if (!move) return;
    e.preventDefault();
    const nd = Math.min(6, Math.max(0, day + move[0]));
    const ns = Math.min(SLOTS - 1, Math.max(0, slot + move[1]));
    document.getElementById(`${id}-cell-${nd}-${ns}`)?.focus();
  }

  const preset = (days: readonly Day[], start: string, end: string) => onChange(weekToPeriods(periodsToWeek([{ days: [...days], start, end }]).week));

  return (
    <div className="week" id={id} data-testid="week-grid">
      <div className="week__tools">
        <button type="button" disabled={disabled} onClick={() => preset(['mon', 'tue', 'wed', 'thu', 'fri'], '09:00', '18:00')}>
          {t('schedule.presetOffice')}
        </button>
        <button type="button" disabled={disabled} onClick={() => preset(DAYS, '00:00', '00:00')}>
          {t('schedule.presetAlways')}
        </button>
        <button type="button" disabled={disabled} onClick={() => onChange([])}>
          {t('schedule.clear')}
        </button>
        <span className="muted">{t('schedule.gridHint')}</span>
      </div>
      <div className="week__scroll">
        <table className="week__grid" role="grid" aria-label={t('schedule.grid')} aria-readonly={disabled || undefined}>
          <thead>
            <tr>
              <th scope="col">
                <span className="visually-hidden">{t('schedule.day')}</span>
              </th>
              {Array.from({ length: 24 }, (_, h) => (
                <th key={h} scope="col" colSpan={2} className="week__hour">
                  {String(h).padStart(2, '0')}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {DAYS.map((day, di) => (
              <tr key={day}>
                <th scope="row" title={longNames[day]}>
                  {names[day]}
                </th>
                {Array.from({ length: SLOTS }, (_, si) => {
                  const cov = coverage(week, day, si * SLOT, (si + 1) * SLOT);
                  const pending = drag && inRect(drag, di, si);
                  const shown = pending ? (drag.open ? 'full' : 'none') : cov;
                  return (
                    <td key={si} className={`week__cell week__cell--${shown}${si % 2 ? ' week__cell--half' : ''}`}>
                      <button
                        type="button"
                        id={`${id}-cell-${di}-${si}`}
                        tabIndex={di === 0 && si === 0 ? 0 : -1}
                        aria-pressed={cov === 'full' ? true : cov === 'partial' ? 'mixed' : false}
                        aria-label={`${longNames[day]} ${formatTime(si * SLOT)}–${formatTime((si + 1) * SLOT)}`}
                        data-testid={`slot-${day}-${formatTime(si * SLOT)}`}
                        disabled={disabled}
                        onPointerDown={(e) => {
                          if (e.button !== 0) return;
                          e.preventDefault();
                          (e.currentTarget as HTMLElement).releasePointerCapture?.(e.pointerId);
                          start(di, si);
                        }}
                        onPointerEnter={() => extend(di, si)}
                        onKeyDown={(e) => onKey(e, di, si)}
                      />
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {invalid.length > 0 && <div className="field__error">{t('schedule.unreadable', { n: invalid.length })}</div>}
      <PeriodsList periods={periods} onChange={onChange} errors={errors} disabled={disabled} id={id} />
    </div>
  );
}

/** The periods as rows: days and HH:MM–HH:MM, to the minute. */
function PeriodsList({
  periods,
  onChange,
  errors,
  disabled,
  id,
}: {
  periods: Period[];
  onChange: (v: Period[]) => void;
  errors: Record<string, string>;
  disabled: boolean;
  id: string;
}) {
  const { t } = useI18n();
  const byRow = rowErrors(errors, 'periods');
  const names = dayNames(t);
  const set = (i: number, patch: Partial<Period>) => onChange(periods.map((p, j) => (j === i ? { ...p, ...patch } : p)));
  return (
    <div className="periods" data-testid="periods">
      <h3>{t('schedule.periods')}</h3>
      {byRow[-1] && <RowError id={`${id}-periods-error`} message={Object.values(byRow[-1]).join('; ')} />}
      {periods.length === 0 && <p className="muted">{t('schedule.noPeriods')}</p>}
      {periods.map((p, i) => (
        <div key={i} className="period" data-testid={`period-${i}`}>
          <span className="period__summary">
            {dayRanges(p.days.filter(isDay), names) || '—'}
          </span>
          <span className="period__days" role="group" aria-label={t('schedule.daysOfN', { n: i + 1 })}>
            {DAYS.map((d) => (
              <label key={d} className="day-check">
                <input
                  type="checkbox"
                  disabled={disabled}
                  checked={p.days.includes(d)}
                  onChange={(e) =>
                    set(i, { days: DAYS.filter((x) => (x === d ? e.target.checked : p.days.includes(x))) })
                  }
                />
                {names[d]}
              </label>
            ))}
          </span>
          <input
            className="time"
            aria-label={t('schedule.startN', { n: i + 1 })}
            value={p.start}
            disabled={disabled}
            placeholder="09:00"
            aria-invalid={errorAt(byRow[i], 'start') ? true : undefined}
            onChange={(e) => set(i, { start: e.target.value })}
          />
          –
          <input
            className="time"
            aria-label={t('schedule.endN', { n: i + 1 })}
            value={p.end}
            disabled={disabled}
            placeholder="18:00"
            aria-invalid={errorAt(byRow[i], 'end') ? true : undefined}
            onChange={(e) => set(i, { end: e.target.value })}
          />
          <button type="button" className="link-button" disabled={disabled} onClick={() => onChange(periods.filter((_, j) => j !== i))}>
            {t('manage.remove')}
          </button>
          <RowError id={`${id}-p${i}-err`} message={[errorAt(byRow[i], 'days'), errorAt(byRow[i], 'start'), errorAt(byRow[i], 'end')].filter(Boolean).join('; ')} />
          <RestErrors errors={byRow[i]} shown={['days', 'start', 'end']} />
        </div>
      ))}
      <button type="button" disabled={disabled} onClick={() => onChange([...periods, { days: ['mon'], start: '09:00', end: '18:00' }])}>
        {t('schedule.addPeriod')}
      </button>
      <p className="field__hint">{t('schedule.periodsHint')}</p>
    </div>
  );
}

const MODES: ExceptionMode[] = ['closed', 'usual', 'hours'];

/** Date exceptions: closed, open with the usual hours, or open in given hours; shortened days. */
export function ExceptionsEditor({ value, onChange, errors, disabled, id }: CustomFieldProps) {
  const { t } = useI18n();
  const rows = Array.isArray(value) ? (value as ExceptionRow[]) : [];
  const byRow = rowErrors(errors, 'exceptions');
  const set = (i: number, patch: Partial<ExceptionRow>) => onChange(rows.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  return (
    <div id={id} className="rows-editor" data-testid="exceptions-editor">
      {byRow[-1] && <RowError id={`${id}-error`} message={Object.values(byRow[-1]).join('; ')} />}
      {rows.length === 0 ? (
        <p className="muted">{t('schedule.noExceptions')}</p>
      ) : (
        <table className="table compact">
          <thead>
            <tr>
              <th scope="col">{t('schedule.date')}</th>
              <th scope="col">{t('schedule.exceptionMode')}</th>
              <th scope="col">{t('schedule.hours')}</th>
              <th scope="col">{t('schedule.shorten')}</th>
              <th scope="col">{t('schedule.note')}</th>
              <th scope="col">
                <span className="visually-hidden">{t('schemes.actions')}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r, i) => {
              const err = byRow[i];
              return (
                <tr key={i} data-testid={`exception-${i}`}>
                  <td>
                    <input
                      type="date"
                      aria-label={t('schedule.dateN', { n: i + 1 })}
                      value={r.date}
                      disabled={disabled}
                      aria-invalid={errorAt(err, 'date') ? true : undefined}
                      onChange={(e) => set(i, { date: e.target.value })}
                    />
                    <RowError id={`${id}-${i}-date`} message={errorAt(err, 'date')} />
                  </td>
                  <td>
                    <select
                      aria-label={t('schedule.exceptionModeN', { n: i + 1 })}
                      value={r.mode}
                      disabled={disabled}
                      onChange={(e) => set(i, { mode: e.target.value as ExceptionMode })}
                    >
                      {MODES.map((m) => (
                        <option key={m} value={m}>
                          {t(`schedule.mode.${m}` as MessageKey)}
                        </option>
                      ))}
                    </select>
                    <RowError id={`${id}-${i}-open`} message={errorAt(err, 'open')} />
                  </td>
                  <td>
                    <input
                      aria-label={t('schedule.hoursN', { n: i + 1 })}
                      value={r.hours}
                      placeholder="10:00-14:00"
                      disabled={disabled || r.mode !== 'hours'}
                      aria-invalid={errorAt(err, 'periods') ? true : undefined}
                      onChange={(e) => set(i, { hours: e.target.value })}
                    />
                    <RowError id={`${id}-${i}-hours`} message={errorAt(err, 'periods')} />
                  </td>
                  <td>
                    <input
                      type="number"
                      min={0}
                      max={720}
                      aria-label={t('schedule.shortenN', { n: i + 1 })}
                      value={r.shorten || ''}
                      placeholder="0"
                      disabled={disabled || r.mode === 'closed'}
                      aria-invalid={errorAt(err, 'shorten_minutes') ? true : undefined}
                      onChange={(e) => set(i, { shorten: Number(e.target.value) || 0 })}
                    />
                    <RowError id={`${id}-${i}-shorten`} message={errorAt(err, 'shorten_minutes')} />
                  </td>
                  <td>
                    <input
                      aria-label={t('schedule.noteN', { n: i + 1 })}
                      value={r.note}
                      maxLength={100}
                      disabled={disabled}
                      onChange={(e) => set(i, { note: e.target.value })}
                    />
                    <RestErrors errors={err} shown={['date', 'open', 'periods', 'shorten_minutes']} />
                  </td>
                  <td>
                    <button type="button" className="link-button" disabled={disabled} onClick={() => onChange(rows.filter((_, j) => j !== i))}>
                      {t('manage.remove')}
                    </button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <button
        type="button"
        disabled={disabled}
        onClick={() => onChange([...rows, { date: '', mode: 'closed', hours: '', shorten: 0, note: '' }])}
      >
        {t('schedule.addException')}
      </button>
    </div>
  );
}
