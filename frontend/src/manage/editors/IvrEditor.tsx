// An IVR menu's keys table (1–9, 0, *, #; one action each, with its target) and the
// default / timeout exits.
import { useI18n, type MessageKey } from '../../i18n';
import { rowErrors } from '../formErrors';
import {
  ACTIONS,
  addKey,
  EXIT_ACTIONS,
  keyChoices,
  keyProblems,
  removeKey,
  setAction,
  setKey,
  setKeyAction,
  setKeyTarget,
  targetKind,
  type ExitAction,
  type KeyAction,
} from '../ivrModel';
import { refLabel } from '../refs';
import type { Ctx, CustomFieldProps, RefCollection } from '../types';
import { errorAt, RestErrors, RowError } from './inputs';

const REF_OF: Partial<Record<string, RefCollection>> = {
  ivr_menu: 'ivr-menus',
  voice_message: 'voice-messages',
  voicemail: 'voicemail-boxes',
};

function TargetInput({
  action,
  target,
  onChange,
  ctx,
  selfId,
  label,
  disabled,
  invalid,
}: {
  action: string;
  target: string | null | undefined;
  onChange: (v: string) => void;
  ctx: Ctx;
  selfId: string | null;
  label: string;
  disabled: boolean;
  invalid: boolean;
}) {
  const { t } = useI18n();
  const kind = targetKind(action);
  if (kind === 'none') return <span className="muted">—</span>;
  if (kind === 'internal' || kind === 'external') {
    return (
      <input
        aria-label={label}
        className="mono"
        type="tel"
        value={target ?? ''}
        placeholder={kind === 'internal' ? '201' : '+74951234567'}
        disabled={disabled}
        aria-invalid={invalid || undefined}
        list={kind === 'internal' ? 'ivr-internal-numbers' : undefined}
        onChange={(e) => onChange(e.target.value)}
      />
    );
  }
  const collection = REF_OF[kind]!;
  const items = (ctx.refs[collection] ?? []).filter((i) => i.id !== selfId);
  const known = !target || items.some((i) => i.id === target);
  return (
    <select aria-label={label} value={target ?? ''} disabled={disabled} aria-invalid={invalid || undefined} onChange={(e) => onChange(e.target.value)}>
      <option value="">{t('inspector.none')}</option>
      {!known && <option value={target!}>{t('inspector.missing', { id: target!.slice(0, 8) })}</option>}
      {items.map((i) => (
        <option key={i.id} value={i.id}>
          {refLabel(collection, i)}
        </option>
      ))}
    </select>
  );
}

/** Internal numbers to suggest for "extension" targets. */
function NumberSuggestions({ ctx }: { ctx: Ctx }) {
  const numbers = [...(ctx.refs.extensions ?? []), ...(ctx.refs.groups ?? [])];
  return (
    <datalist id="ivr-internal-numbers">
      {numbers.map((i) => (
        <option key={i.id} value={String(i.number ?? '')}>
          {String(i.name ?? '')}
        </option>
      ))}
    </datalist>
  );
}

export function IvrKeysEditor({ value, values, onChange, errors, ctx, disabled, id }: CustomFieldProps) {
  const { t } = useI18n();
  const keys = Array.isArray(value) ? (value as KeyAction[]) : [];
  const byRow = rowErrors(errors, 'keys');
  const local = keyProblems(keys);
  const selfId = typeof values.id === 'string' ? values.id : null;
  return (
    <div id={id} className="rows-editor" data-testid="ivr-keys">
      <NumberSuggestions ctx={ctx} />
      {byRow[-1] && <RowError id={`${id}-error`} message={Object.values(byRow[-1]).join('; ')} />}
      {keys.length === 0 ? (
        <p className="muted">{t('ivr.noKeys')}</p>
      ) : (
        <table className="table compact">
          <thead>
            <tr>
              <th scope="col">{t('ivr.key')}</th>
              <th scope="col">{t('ivr.action')}</th>
              <th scope="col">{t('ivr.target')}</th>
              <th scope="col">
                <span className="visually-hidden">{t('schemes.actions')}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {keys.map((k, i) => {
              const err = byRow[i];
              const mistakes = local[i] ?? [];
              return (
                <tr key={i} data-testid={`ivr-key-${i}`}>
                  <td>
                    <select
                      aria-label={t('ivr.keyN', { n: i + 1 })}
                      value={k.key}
                      disabled={disabled}
                      aria-invalid={errorAt(err, 'key') || mistakes.includes('duplicate') ? true : undefined}
                      onChange={(e) => onChange(setKey(keys, i, e.target.value))}
                    >
                      {keyChoices(keys, i).map((key) => (
                        <option key={key} value={key}>
                          {key}
                        </option>
                      ))}
                      {!keyChoices(keys, i).includes(k.key as never) && <option value={k.key}>{k.key}</option>}
                    </select>
                    <RowError id={`${id}-${i}-key`} message={errorAt(err, 'key') ?? (mistakes.includes('duplicate') ? t('ivr.duplicate') : undefined)} />
                  </td>
                  <td>
                    <select
                      aria-label={t('ivr.actionN', { n: i + 1 })}
                      value={k.action}
                      disabled={disabled}
                      onChange={(e) => onChange(setKeyAction(keys, i, e.target.value))}
                    >
                      {ACTIONS.map((a) => (
                        <option key={a} value={a}>
                          {t(`ivr.action.${a}` as MessageKey)}
                        </option>
                      ))}
                    </select>
                    <RowError id={`${id}-${i}-action`} message={errorAt(err, 'action')} />
                  </td>
                  <td>
                    <TargetInput
                      action={k.action}
                      target={k.target}
                      ctx={ctx}
                      selfId={selfId}
                      label={t('ivr.targetN', { n: i + 1 })}
                      disabled={disabled}
                      invalid={Boolean(errorAt(err, 'target'))}
                      onChange={(v) => onChange(setKeyTarget(keys, i, v))}
                    />
                    <RowError id={`${id}-${i}-target`} message={errorAt(err, 'target')} />
                    <RestErrors errors={err} shown={['key', 'action', 'target']} />
                  </td>
                  <td>
                    <button type="button" className="link-button" disabled={disabled} onClick={() => onChange(removeKey(keys, i))}>
                      {t('manage.remove')}
                    </button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <button type="button" disabled={disabled || keys.length >= 12} onClick={() => onChange(addKey(keys))}>
        {t('ivr.addKey')}
      </button>
      <p className="field__hint">{t('ivr.keysHint')}</p>
    </div>
  );
}

/** The default (invalid choice) or timeout exit: an action without "repeat" / "voice message". */
export function ExitEditor({ value, values, onChange, errors, ctx, disabled, id, name }: CustomFieldProps & { name: string }) {
  const { t } = useI18n();
  const exit: ExitAction = value && typeof value === 'object' ? (value as ExitAction) : { action: 'exit', target: null };
  const actionError = errorAt(errors, `${name}.action`);
  const targetError = errorAt(errors, `${name}.target`);
  return (
    <div className="inline exit-editor" id={id}>
      <select
        aria-label={t('ivr.exitAction', { exit: t(`f.${name}` as MessageKey) })}
        value={exit.action}
        disabled={disabled}
        aria-invalid={actionError ? true : undefined}
        onChange={(e) => onChange(setAction(exit, e.target.value))}
      >
        {EXIT_ACTIONS.map((a) => (
          <option key={a} value={a}>
            {t(`ivr.action.${a}` as MessageKey)}
          </option>
        ))}
      </select>
      <TargetInput
        action={exit.action}
        target={exit.target}
        ctx={ctx}
        selfId={typeof values.id === 'string' ? values.id : null}
        label={t('ivr.exitTarget', { exit: t(`f.${name}` as MessageKey) })}
        disabled={disabled}
        invalid={Boolean(targetError)}
        onChange={(v) => onChange({ ...exit, target: v.trim() === '' ? null : v })}
      />
      {(actionError || targetError) && (
        <div className="field__error exit-editor__error" id={`${id}-error`}>
          {[actionError, targetError].filter(Boolean).join('; ')}
        </div>
      )}
    </div>
  );
}
