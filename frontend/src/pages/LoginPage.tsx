import { useState, type FormEvent } from 'react';
import { ApiError, toProblem, type ApiClient, type Problem } from '../api';
import { LanguageSwitcher } from '../components/LanguageSwitcher';
import { useI18n } from '../i18n';

const FORM_FIELDS = ['login', 'password'] as const;
type FormField = (typeof FORM_FIELDS)[number];

export function LoginPage({ client, expired = false }: { client: ApiClient; expired?: boolean }) {
  const { t } = useI18n();
  const [values, setValues] = useState<Record<FormField, string>>({ login: '', password: '' });
  const [problem, setProblem] = useState<Problem | null>(null);
  const [errors, setErrors] = useState<Partial<Record<FormField, string>>>({});
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setBusy(true);
    setProblem(null);
    setErrors({});
    try {
      await client.login(values.login, values.password);
      // The session store changes and the app leaves this page.
    } catch (error) {
      setProblem(toProblem(error));
      if (error instanceof ApiError) setErrors(error.fieldErrors);
      setBusy(false);
    }
  }

  const field = (name: FormField, type: string, autoComplete: string) => {
    const error = errors[name];
    return (
      <div className="field">
        <label htmlFor={`login-${name}`}>{t(`login.${name}`)}</label>
        <input
          id={`login-${name}`}
          name={name}
          type={type}
          autoComplete={autoComplete}
          value={values[name]}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? `login-${name}-error` : undefined}
          onChange={(e) => setValues((v) => ({ ...v, [name]: e.target.value }))}
        />
        {error && (
          <div className="field__error" id={`login-${name}-error`}>
            {error}
          </div>
        )}
      </div>
    );
  };

  return (
    <main className="login">
      <div className="login__lang">
        <LanguageSwitcher />
      </div>
      <form className="login__card" onSubmit={submit} noValidate aria-labelledby="login-title">
        <div className="login__brand">{t('app.name')}</div>
        <h1 id="login-title">{t('login.title')}</h1>
        {expired && !problem && <div className="notice">{t('login.expired')}</div>}
        {problem && (
          <div className="alert" role="alert">
            {problem.detail}
          </div>
        )}
        {field('login', 'text', 'username')}
        {field('password', 'password', 'current-password')}
        <button type="submit" className="primary" disabled={busy}>
          {busy ? t('login.submitting') : t('login.submit')}
        </button>
      </form>
    </main>
  );
}
