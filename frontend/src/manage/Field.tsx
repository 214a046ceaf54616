// One form field of a spec: its label, control, hint and the server's message for it.
import type { ReactNode } from 'react';
import { useI18n } from '../i18n';
import { getPath } from './formModel';
import type { Ctx, FieldSpec, Values } from './types';

export function fieldId(name: string): string {
  return `f-${name.replace(/[^A-Za-z0-9_-]+/g, '-')}`;
}

interface Props {
  field: FieldSpec;
  values: Values;
  onChange: (name: string, value: unknown) => void;
  /** The message for this field (mapFieldErrors' byField). */
  error?: string;
  /** Every field error by full path, for editors of lists. */
  errors: Record<string, string>;
  ctx: Ctx;
  disabled: boolean;
}

export function Field({ field, values, onChange, error, errors, ctx, disabled }: Props) {
  const { t } = useI18n();
  const id = fieldId(field.name);
  const value = getPath(values, field.name);
  const errorId = `${id}-error`;
  const hintId = `${id}-hint`;
  const describedBy = [error ? errorId : null, field.hint ? hintId : null].filter(Boolean).join(' ') || undefined;
  const common = {
    id,
    name: field.name,
    disabled,
    'aria-invalid': error ? true : undefined,
    'aria-describedby': describedBy,
  } as const;
  const set = (v: unknown) => onChange(field.name, v);

  let control: ReactNode;
  let labelFor = true;
  switch (field.kind) {
    case 'text':
      control = (
        <input
          {...common}
          type={field.inputType ?? 'text'}
          value={typeof value === 'string' ? value : value == null ? '' : String(value)}
          maxLength={field.maxLength}
          placeholder={field.placeholder}
          required={field.required}
          autoComplete={field.autoComplete ?? (field.inputType === 'password' ? 'new-password' : 'off')}
          className={field.mono ? 'mono' : undefined}
          onChange={(e) => set(e.target.value)}
        />
      );
      break;
    case 'textarea':
      control = (
        <textarea
          {...common}
          rows={3}
          value={typeof value === 'string' ? value : ''}
          maxLength={field.maxLength}
          onChange={(e) => set(e.target.value)}
        />
      );
      break;
    case 'int':
      control = (
        <input
          {...common}
          type="number"
          inputMode="numeric"
          min={field.min}
          max={field.max}
          step={1}
          value={value === null || value === undefined ? '' : String(value)}
          required={field.required}
          onChange={(e) => {
            const raw = e.target.value;
            set(raw === '' ? null : Number.isFinite(Number(raw)) ? Number(raw) : raw);
          }}
        />
      );
      break;
    case 'checkbox':
      labelFor = false;
      control = (
        <label className="check">
          <input {...common} type="checkbox" checked={Boolean(value)} onChange={(e) => set(e.target.checked)} />
          <span>{t(field.label)}</span>
        </label>
      );
      break;
    case 'select': {
      const options = field.options(ctx, values);
      const current = typeof value === 'string' ? value : '';
      const known = current === '' || options.some((o) => o.value === current);
      control = (
        <select {...common} value={current} onChange={(e) => set(e.target.value === '' ? (field.nullable ? null : '') : e.target.value)}>
          {(field.nullable || current === '') && <option value="">{field.nullable ? t('inspector.none') : '—'}</option>}
          {!known && <option value={current}>{t('inspector.missing', { id: current.slice(0, 8) })}</option>}
          {options.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </select>
      );
      break;
    }
    case 'checklist': {
      labelFor = false;
      const options = field.options(ctx, values);
      const chosen = Array.isArray(value) ? (value as string[]) : [];
      control = (
        <div className="checklist" role="group" aria-labelledby={`${id}-label`} aria-describedby={describedBy} id={id}>
          {options.length === 0 && <span className="muted">{t('manage.nothingToChoose')}</span>}
          {options.map((o) => (
            <label key={o.value} className="check">
              <input
                type="checkbox"
                disabled={disabled}
                checked={chosen.includes(o.value)}
                onChange={(e) =>
                  set(e.target.checked ? [...chosen, o.value] : chosen.filter((v) => v !== o.value))
                }
              />
              <span>{o.label}</span>
            </label>
          ))}
        </div>
      );
      break;
    }
    case 'custom':
      labelFor = field.labelledControl ?? false;
      control = field.render({ value, values, onChange: set, errors, ctx, disabled, id });
      break;
  }

  return (
    <div className={`field${field.wide || field.kind === 'custom' || field.kind === 'textarea' ? ' field--wide' : ''}`} data-field={field.name}>
      {field.kind !== 'checkbox' &&
        (labelFor ? (
          <label htmlFor={id} id={`${id}-label`}>
            {t(field.label)}
          </label>
        ) : (
          <div className="field__label" id={`${id}-label`}>
            {t(field.label)}
          </div>
        ))}
      {control}
      {field.hint && (
        <div className="field__hint" id={hintId}>
          {t(field.hint)}
        </div>
      )}
      {error && (
        <div className="field__error" id={errorId}>
          {error}
        </div>
      )}
    </div>
  );
}
