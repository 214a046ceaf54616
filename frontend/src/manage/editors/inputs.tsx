// Small controls shared by the list editors.
import { useEffect, useState, type InputHTMLAttributes } from 'react';
import { useI18n } from '../../i18n';

/** "a, b c" → ['a', 'b', 'c']. */
export function parseList(text: string): string[] {
  return text
    .split(/[\s,;]+/)
    .map((s) => s.trim())
    .filter(Boolean);
}

type ListInputProps = Omit<InputHTMLAttributes<HTMLInputElement>, 'value' | 'onChange'> & {
  value: readonly string[];
  onChange: (value: string[]) => void;
};

/** A text input for a list of words, keeping what is typed (a trailing comma) while it parses the same. */
export function ListInput({ value, onChange, ...rest }: ListInputProps) {
  const [text, setText] = useState(value.join(', '));
  useEffect(() => {
    if (parseList(text).join('\n') !== value.join('\n')) setText(value.join(', '));
    // only when the value changes from outside
  }, [value]);
  return (
    <input
      {...rest}
      value={text}
      onChange={(e) => {
        setText(e.target.value);
        onChange(parseList(e.target.value));
      }}
    />
  );
}

/** An error under a control of a list row. */
export function RowError({ id, message }: { id: string; message?: string }) {
  if (!message) return null;
  return (
    <div className="field__error" id={id}>
      {message}
    </div>
  );
}

/** Errors of a row that no control of it shows. */
export function RestErrors({ errors, shown }: { errors: Record<string, string> | undefined; shown: readonly string[] }) {
  const rest = Object.entries(errors ?? {}).filter(([k]) => !shown.some((s) => k === s || k.startsWith(`${s}.`) || k.startsWith(`${s}[`)));
  if (rest.length === 0) return null;
  return (
    <div className="field__error">
      {rest.map(([k, m]) => (
        <div key={k}>{k ? `${k}: ${m}` : m}</div>
      ))}
    </div>
  );
}

/** Errors of a row's control: the control's own and those under it (allowed_networks[1]). */
export function errorAt(errors: Record<string, string> | undefined, name: string): string | undefined {
  if (!errors) return undefined;
  const found = Object.entries(errors).filter(([k]) => k === name || k.startsWith(`${name}.`) || k.startsWith(`${name}[`));
  return found.length ? found.map(([k, m]) => (k === name ? m : `${k.slice(name.length).replace(/^\./, '')}: ${m}`)).join('; ') : undefined;
}

/** A secret shown as dots until asked for, with copy. */
export function Secret({ value, testId }: { value: string; testId?: string }) {
  const { t } = useI18n();
  const [reveal, setReveal] = useState(false);
  const [copied, setCopied] = useState(false);
  return (
    <span className="secret-box">
      <span className="mono secret" data-testid={testId} data-revealed={reveal}>
        {reveal ? value : '••••••••'}
      </span>{' '}
      <button type="button" className="link-button" onClick={() => setReveal((r) => !r)}>
        {reveal ? t('device.hidePassword') : t('device.showPassword')}
      </button>
      {typeof navigator !== 'undefined' && navigator.clipboard && (
        <button
          type="button"
          className="link-button"
          onClick={() =>
            void navigator.clipboard.writeText(value).then(
              () => setCopied(true),
              () => setCopied(false),
            )
          }
        >
          {copied ? t('manage.copied') : t('manage.copy')}
        </button>
      )}
    </span>
  );
}
