// The create / edit form of any collection: fields from the spec, the server's validation
// messages at their fields, If-Match on save (a stale version shows a conflict banner with a
// reload), and delete with a confirmation.
import { useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import { fieldErrors, toProblem, type ApiClient, type Problem } from '../api';
import { ProblemAlert } from '../components/ProblemAlert';
import { useI18n } from '../i18n';
import { useApi } from '../useApi';
import { invalidate } from './cache';
import { ConfirmDialog } from './ConfirmDialog';
import { Field } from './Field';
import { currentVersion, isVersionConflict, mapFieldErrors } from './formErrors';
import { cloneValues, collectBody, deepEqual, fieldEditable, fieldVisible, patchBody, setPath } from './formModel';
import { takeFlash } from './flash';
import { useRefs } from './refs';
import { ResourceApi } from './resourceApi';
import type { Ctx, Item, Mode, ResourceSpec, Values } from './types';

interface Props {
  spec: ResourceSpec;
  client: ApiClient;
  /** user and tenant (refs and editing are filled in here). */
  base: Pick<Ctx, 'user' | 'tenantId' | 't'>;
  /** null: a new object. */
  itemId: string | null;
  listHref: string | null;
  onCreated: (item: Item) => void;
  onDeleted: (item: Item) => void;
}

export function ResourceForm({ spec, client, base, itemId, listHref, onCreated, onDeleted }: Props) {
  const { t } = useI18n();
  const mode: Mode = itemId ? 'edit' : 'create';
  const path = spec.path(base.tenantId);
  const api = useMemo(() => new ResourceApi(client, path), [client, path]);
  const [attempt, setAttempt] = useState(0);
  const loaded = useApi(itemId ? () => api.get(itemId) : null, `${path}/${itemId ?? ''}|${attempt}`);
  const { refs } = useRefs(client, base.tenantId, spec.refs);
  const ctx: Ctx = { ...base, refs, editing: mode === 'edit' };

  const [item, setItem] = useState<Item | null>(null);
  const [initial, setInitial] = useState<Values>(() => (itemId ? {} : spec.initial(ctx)));
  const [values, setValues] = useState<Values>(initial);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState<string | null>(() => takeFlash());
  const [deleting, setDeleting] = useState(false);
  const [deleteProblem, setDeleteProblem] = useState<Problem | null>(null);
  const formRef = useRef<HTMLFormElement>(null);

  const toValues = (it: Item): Values => (spec.toValues ? spec.toValues(it) : cloneValues(it));

  function accept(it: Item) {
    const v = toValues(it);
    setItem(it);
    setInitial(v);
    setValues(v);
  }

  useEffect(() => {
    if (loaded.data) accept(loaded.data);
    // accept once per answer
  }, [loaded.data]);

  const mayEdit = mode === 'create' ? (spec.canCreate ? spec.canCreate(base.user) : true) : spec.canEdit ? spec.canEdit(base.user) : true;
  const mayDelete = mode === 'edit' && (spec.canDelete ? spec.canDelete(base.user) : true);
  const conflict = isVersionConflict(problem);
  const disabled = busy || !mayEdit || conflict;

  const visibleFields = spec.fields.filter((f) => fieldVisible(f, mode, values, ctx));
  const allErrors = problem && !conflict ? fieldErrors(problem) : {};
  const mapped = mapFieldErrors(allErrors, visibleFields.map((f) => f.name));

  const body = (v: Values) => {
    const collected = collectBody(spec.fields, v, mode, ctx);
    return spec.toBody ? spec.toBody(collected, v, mode, ctx) : collected;
  };
  const dirty = mode === 'create' ? !deepEqual(values, initial) : item !== null && Object.keys(patchBody(body(values), body(initial), item)).length > 0;

  // Leaving the page with unsaved changes asks first.
  useEffect(() => {
    if (!dirty) return;
    const warn = (e: BeforeUnloadEvent) => {
      e.preventDefault();
    };
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [dirty]);

  // After a refused save, bring the first marked field into view.
  useEffect(() => {
    if (!problem || conflict) return;
    const first = formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]');
    first?.focus();
  }, [problem, conflict]);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setBusy(true);
    setProblem(null);
    setNotice(null);
    try {
      if (mode === 'create') {
        const created = await api.create(body(values));
        invalidate(client, path);
        onCreated(created);
        return;
      }
      if (!item) return;
      const patch = patchBody(body(values), body(initial), item);
      if (Object.keys(patch).length === 0) {
        setNotice(t('manage.noChanges'));
        return;
      }
      const saved = await api.update(item.id, item.version, patch);
      invalidate(client, path);
      accept(saved);
      setNotice(t('manage.saved', { version: saved.version }));
    } catch (error) {
      setProblem(toProblem(error));
    } finally {
      setBusy(false);
    }
  }

  async function remove() {
    if (!item) return;
    setBusy(true);
    setDeleteProblem(null);
    try {
      await api.remove(item.id, item.version);
      invalidate(client, path);
      setDeleting(false);
      onDeleted(item);
    } catch (error) {
      setDeleteProblem(toProblem(error));
    } finally {
      setBusy(false);
    }
  }

  function reload() {
    setProblem(null);
    setDeleteProblem(null);
    setDeleting(false);
    setNotice(null);
    setAttempt((n) => n + 1);
  }

  if (mode === 'edit' && !item) {
    return (
      <section className="manage-form">
        {listHref && (
          <p>
            <a href={listHref}>← {t(spec.title)}</a>
          </p>
        )}
        {loaded.loading && <p className="muted">{t('common.loading')}</p>}
        {loaded.problem && <ProblemAlert problem={loaded.problem} onRetry={loaded.reload} />}
      </section>
    );
  }

  if (mode === 'create' && spec.createPage) {
    return (
      <section className="manage-form">
        {listHref && (
          <p>
            <a href={listHref}>← {t(spec.title)}</a>
          </p>
        )}
        <h1>{t(spec.createLabel)}</h1>
        {spec.createPage({
          client,
          ctx,
          path,
          onCreated: (created) => {
            invalidate(client, path);
            onCreated(created);
          },
        })}
      </section>
    );
  }

  const version = currentVersion(problem);
  const title = mode === 'create' ? t(spec.createLabel) : spec.describe(item!);

  return (
    <section className="manage-form" aria-labelledby="form-title">
      {listHref && (
        <p className="manage-form__back">
          <a href={listHref}>← {t(spec.title)}</a>
        </p>
      )}
      <div className="manage-form__head">
        <h1 id="form-title">{title}</h1>
        {item && (
          <span className="muted" data-testid="item-version">
            {t('manage.version', { version: item.version })}
          </span>
        )}
      </div>
      {!mayEdit && <div className="notice">{t('manage.readOnly')}</div>}
      {conflict && (
        <div className="alert conflict" role="alert" data-testid="conflict">
          <strong>{t('manage.conflictTitle')}</strong>{' '}
          {version !== null ? t('manage.conflictDetailVersion', { version }) : t('manage.conflictDetail')}{' '}
          <button type="button" onClick={reload}>
            {t('manage.reload')}
          </button>
        </div>
      )}
      {problem && !conflict && (
        <div className="alert" role="alert" data-testid="form-problem">
          <strong>{t('manage.notSaved')}</strong>{' '}
          {Object.keys(mapped.byField).length > 0 ? t('manage.fixFields') : problem.detail}
          {mapped.unmatched.length > 0 && Object.keys(mapped.byField).length > 0 && (
            <ul>
              {mapped.unmatched.map((e) => (
                <li key={e.field}>
                  {e.field !== 'body' && <span className="mono">{e.field}: </span>}
                  {e.message}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
      {notice && (
        <div className="notice" role="status" data-testid="form-notice">
          {notice}
        </div>
      )}
      <form ref={formRef} className="manage-form__grid" onSubmit={(e) => void submit(e)} noValidate>
        {visibleFields.map((field) => (
          <Field
            key={field.name}
            field={field}
            values={values}
            onChange={(name, value) =>
              setValues((v) => (field.resets ?? []).reduce((acc, other) => setPath(acc, other, ''), setPath(v, name, value)))
            }
            error={mapped.byField[field.name]}
            errors={allErrors}
            ctx={ctx}
            disabled={disabled || !fieldEditable(field, mode, ctx)}
          />
        ))}
        {mayEdit && (
          <div className="manage-form__actions">
            <button type="submit" className="primary" disabled={disabled}>
              {busy ? t('manage.saving') : mode === 'create' ? t('manage.create') : t('manage.save')}
            </button>
            {mode === 'edit' && dirty && !conflict && (
              <button type="button" disabled={busy} onClick={() => setValues(initial)}>
                {t('manage.discard')}
              </button>
            )}
            {listHref && (
              <a className="button" href={listHref}>
                {mode === 'create' ? t('common.cancel') : t('manage.backToList')}
              </a>
            )}
            {mayDelete && (
              <button type="button" className="danger manage-form__delete" disabled={busy} onClick={() => setDeleting(true)}>
                {t('manage.delete')}
              </button>
            )}
          </div>
        )}
      </form>
      {item && spec.extra?.({ client, item, ctx, itemPath: api.itemPath(item.id), onChanged: (it) => {
        invalidate(client, path);
        accept(it);
      }, disabled: disabled })}
      {deleting && item && (
        <ConfirmDialog
          title={t('manage.confirmDeleteTitle', { what: spec.describe(item) })}
          confirmLabel={t('schemes.confirmDelete')}
          busy={busy}
          problem={deleteProblem}
          onConfirm={() => void remove()}
          onCancel={() => setDeleting(false)}
          extra={
            isVersionConflict(deleteProblem) ? (
              <button type="button" onClick={reload}>
                {t('manage.reload')}
              </button>
            ) : undefined
          }
        >
          <p>{isVersionConflict(deleteProblem) ? t('manage.conflictDelete') : t('manage.confirmDeleteText')}</p>
        </ConfirmDialog>
      )}
    </section>
  );
}
