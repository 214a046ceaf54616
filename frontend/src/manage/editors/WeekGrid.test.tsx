import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { I18nProvider, translate } from '../../i18n';
import type { Period } from '../scheduleModel';
import type { Ctx } from '../types';
import { ExceptionsEditor, WeekGrid } from './ScheduleEditor';

const ctx: Ctx = { user: { id: 'u', login: 'ann', role: 'tenant_admin', tenant_id: 't1' }, tenantId: 't1', t: (k, p) => translate('en', k, p), refs: {}, editing: false };

function grid(value: Period[], errors: Record<string, string> = {}) {
  const onChange = vi.fn();
  render(
    <I18nProvider initial="en">
      <WeekGrid value={value} values={{}} onChange={onChange} errors={errors} ctx={ctx} disabled={false} id="week" />
    </I18nProvider>,
  );
  return onChange;
}

describe('the week grid', () => {
  afterEach(cleanup);

  it('shows the periods as open slots', () => {
    grid([{ days: ['mon', 'tue'], start: '09:00', end: '12:15' }]);
    expect(screen.getByTestId('slot-mon-09:00').getAttribute('aria-pressed')).toBe('true');
    expect(screen.getByTestId('slot-tue-11:30').getAttribute('aria-pressed')).toBe('true');
    expect(screen.getByTestId('slot-tue-12:00').getAttribute('aria-pressed')).toBe('mixed');
    expect(screen.getByTestId('slot-wed-09:00').getAttribute('aria-pressed')).toBe('false');
    expect(screen.getByLabelText('Start of period 1')).toHaveProperty('value', '09:00');
    expect(screen.getByTestId('period-0').textContent).toContain('Mon, Tue');
  });

  it('opens a dragged rectangle', () => {
    const onChange = grid([]);
    fireEvent.pointerDown(screen.getByTestId('slot-mon-09:00'), { button: 0, pointerId: 1 });
    fireEvent.pointerEnter(screen.getByTestId('slot-wed-10:30'));
    expect(screen.getByTestId('slot-tue-10:00').closest('td')?.className).toContain('week__cell--full'); // previewed
    fireEvent.pointerUp(window);
    expect(onChange).toHaveBeenCalledWith([{ days: ['mon', 'tue', 'wed'], start: '09:00', end: '11:00' }]);
  });

  it('closes an open slot from the keyboard, and offers presets', () => {
    const onChange = grid([{ days: ['mon'], start: '09:00', end: '10:00' }]);
    fireEvent.keyDown(screen.getByTestId('slot-mon-09:00'), { key: ' ' });
    expect(onChange).toHaveBeenLastCalledWith([{ days: ['mon'], start: '09:30', end: '10:00' }]);
    fireEvent.click(screen.getByRole('button', { name: 'Mon–Fri 09:00–18:00' }));
    expect(onChange).toHaveBeenLastCalledWith([{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '09:00', end: '18:00' }]);
    fireEvent.click(screen.getByRole('button', { name: 'Always open' }));
    expect(onChange).toHaveBeenLastCalledWith([{ days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], start: '00:00', end: '00:00' }]);
  });

  it('shows a period’s server error at that period', () => {
    grid(
      [
        { days: ['mon'], start: '09:00', end: '10:00' },
        { days: ['tue'], start: '22:00', end: '06:00' },
      ],
      { 'periods[1].end': 'must be after start 22:00: periods do not cross midnight' },
    );
    expect(screen.getByTestId('period-1').textContent).toContain('periods do not cross midnight');
    expect(screen.getByLabelText('End of period 2').getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByTestId('period-0').textContent).not.toContain('midnight');
    expect(screen.getByText('1 periods cannot be shown on the grid (see below).')).toBeTruthy();
  });
});

describe('schedule exceptions', () => {
  afterEach(cleanup);

  it('adds a row and edits it; hours only for “open, these hours”', () => {
    const onChange = vi.fn();
    const { rerender } = render(
      <I18nProvider initial="en">
        <ExceptionsEditor value={[]} values={{}} onChange={onChange} errors={{}} ctx={ctx} disabled={false} id="ex" />
      </I18nProvider>,
    );
    fireEvent.click(screen.getByRole('button', { name: '+ exception' }));
    expect(onChange).toHaveBeenLastCalledWith([{ date: '', mode: 'closed', hours: '', shorten: 0, note: '' }]);
    rerender(
      <I18nProvider initial="en">
        <ExceptionsEditor
          value={[{ date: '2030-01-01', mode: 'closed', hours: '', shorten: 0, note: '' }]}
          values={{}}
          onChange={onChange}
          errors={{ 'exceptions[0].date': 'a date appears twice' }}
          ctx={ctx}
          disabled={false}
          id="ex"
        />
      </I18nProvider>,
    );
    expect((screen.getByLabelText('Hours of exception 1') as HTMLInputElement).disabled).toBe(true);
    expect(screen.getByTestId('exception-0').textContent).toContain('a date appears twice');
    fireEvent.change(screen.getByLabelText('Exception 1'), { target: { value: 'hours' } });
    expect(onChange).toHaveBeenLastCalledWith([{ date: '2030-01-01', mode: 'hours', hours: '', shorten: 0, note: '' }]);
  });
});
