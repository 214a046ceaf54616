// The routing schemes of a tenant: what each answers and which revision is live; create
// a scheme (and open it in the editor) or delete one.
import { useMemo, useState, type FormEvent } from 'react';
import { ApiError, toProblem, type ApiClient, type Problem } from '../api';
import { ProblemAlert } from '../components/ProblemAlert';
import { SchemeApi } from '../flow/schemeApi';
import type { Scheme } from '../flow/types';
import { useI18n } from '../i18n';
import { href, navigate } from '../router';
import type { User } from '../session';
import { useApi } from '../useApi';
import { canEditSchemes } from './SchemeEditorPage';

export function SchemesPage({ client, user, tenantId }: { client: ApiClient; user: User; tenantId: string }) {
  const { t } = useI18n();
  const api = useMemo(() => new SchemeApi(client, tenantId), [client, tenantId]);
  const schemes = useApi(() => api.list(), `schemes:${tenantId}`);
  const mayEdit = canEditSchemes(user);
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [problem, setProblem] = useState<Problem | null>(null);
  const [nameError, setNameError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [confirmDelete, setConfirmDelete] = useState<string | null>(null);
  const items = schemes.data?.items ?? [];

  async function create(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setBusy(true);
    setProblem(null);
    setNameError(null);
    try {
      const scheme = await api.create(name.trim(), description.trim());
      navigate({ name: 'scheme', tenantId, schemeId: scheme.id });
    } catch (error) {
      setProblem(toProblem(error));
      if (error instanceof ApiError) setNameError(error.fieldErrors.name ?? null);
      setBusy(false);
    }
  }

  async function remove(scheme: Scheme) {
    setProblem(null);
    try {
      await api.remove(scheme.id, scheme.version);
      setConfirmDelete(null);
      schemes.reload();
    } catch (error) {
      setProblem(toProblem(error));
    }
  }

  return (
    <main className="schemes">
      <section className="schemes__list" aria-labelledby="schemes-title">
        <h1 id="schemes-title">
          {t('schemes.title')}
          {schemes.data && <span className="count">{schemes.data.total}</span>}
        </h1>
        {schemes.loading && <p className="muted">{t('common.loading')}</p>}
        {schemes.problem && <ProblemAlert problem={schemes.problem} onRetry={schemes.reload} />}
        {problem && <ProblemAlert problem={problem} />}
        {schemes.data && items.length === 0 && <p className="muted">{t('schemes.empty')}</p>}
        {items.length > 0 && (
          <table className="table" data-testid="scheme-list">
            <thead>
              <tr>
                <th scope="col">{t('schemes.name')}</th>
                <th scope="col">{t('scheme.entries')}</th>
                <th scope="col">{t('scheme.published')}</th>
                {mayEdit && <th scope="col" aria-label={t('schemes.actions')} />}
              </tr>
            </thead>
            <tbody>
              {items.map((s) => (
                <tr key={s.id}>
                  <td>
                    <a href={href({ name: 'scheme', tenantId, schemeId: s.id })}>{s.name}</a>
                    {s.description && <div className="muted">{s.description}</div>}
                  </td>
                  <td className="mono">{s.entries.length ? s.entries.join(', ') : '—'}</td>
                  <td>{s.published_revision ? t('scheme.revisionN', { n: s.published_revision }) : t('scheme.notPublished')}</td>
                  {mayEdit && (
                    <td className="actions">
                      {confirmDelete === s.id ? (
                        <>
                          <button type="button" className="danger" onClick={() => void remove(s)}>
                            {t('schemes.confirmDelete')}
                          </button>{' '}
                          <button type="button" onClick={() => setConfirmDelete(null)}>
                            {t('common.cancel')}
                          </button>
                        </>
                      ) : (
                        <button type="button" onClick={() => setConfirmDelete(s.id)}>
                          {t('schemes.delete')}
                        </button>
                      )}
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      {mayEdit && (
        <section className="schemes__create" aria-labelledby="schemes-create">
          <h2 id="schemes-create">{t('schemes.create')}</h2>
          <form onSubmit={(e) => void create(e)}>
            <div className="field">
              <label htmlFor="scheme-name">{t('schemes.name')}</label>
              <input
                id="scheme-name"
                value={name}
                required
                maxLength={200}
                aria-invalid={nameError ? true : undefined}
                aria-describedby={nameError ? 'scheme-name-error' : undefined}
                onChange={(e) => setName(e.target.value)}
              />
              {nameError && (
                <div className="field__error" id="scheme-name-error">
                  {nameError}
                </div>
              )}
            </div>
            <div className="field">
              <label htmlFor="scheme-description">{t('schemes.description')}</label>
              <input id="scheme-description" value={description} onChange={(e) => setDescription(e.target.value)} />
            </div>
            <button type="submit" className="primary" disabled={busy || !name.trim()}>
              {t('schemes.createSubmit')}
            </button>
          </form>
        </section>
      )}
    </main>
  );
}
