// A group's members: extensions with a priority (1 rings first; equal priorities together).
import { useI18n } from '../../i18n';
import { rowErrors } from '../formErrors';
import { refLabel } from '../refs';
import type { CustomFieldProps } from '../types';
import { errorAt, RestErrors, RowError } from './inputs';

export interface Member {
  extension_id: string;
  priority: number | null;
}

export function MembersEditor({ value, onChange, errors, ctx, disabled, id }: CustomFieldProps) {
  const { t } = useI18n();
  const members = Array.isArray(value) ? (value as Member[]) : [];
  const extensions = ctx.refs.extensions ?? [];
  const byRow = rowErrors(errors, 'members');
  const used = new Set(members.map((m) => m.extension_id));
  const free = extensions.filter((e) => !used.has(e.id));
  const set = (i: number, patch: Partial<Member>) => onChange(members.map((m, j) => (j === i ? { ...m, ...patch } : m)));

  return (
    <div id={id} className="rows-editor" data-testid="members-editor">
      {byRow[-1] && <RowError id={`${id}-error`} message={Object.values(byRow[-1]).join('; ')} />}
      {members.length === 0 ? (
        <p className="muted">{t('group.noMembers')}</p>
      ) : (
        <table className="table compact">
          <thead>
            <tr>
              <th scope="col">{t('group.member')}</th>
              <th scope="col">{t('group.priority')}</th>
              <th scope="col">
                <span className="visually-hidden">{t('schemes.actions')}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {members.map((m, i) => {
              const own = extensions.find((e) => e.id === m.extension_id);
              return (
                <tr key={`${m.extension_id}-${i}`}>
                  <td>
                    <select
                      aria-label={t('group.memberN', { n: i + 1 })}
                      value={m.extension_id}
                      disabled={disabled}
                      onChange={(e) => set(i, { extension_id: e.target.value })}
                    >
                      {!own && <option value={m.extension_id}>{t('inspector.missing', { id: m.extension_id.slice(0, 8) })}</option>}
                      {extensions
                        .filter((e) => e.id === m.extension_id || !used.has(e.id))
                        .map((e) => (
                          <option key={e.id} value={e.id}>
                            {refLabel('extensions', e)}
                          </option>
                        ))}
                    </select>
                    <RowError id={`${id}-${i}-ext`} message={errorAt(byRow[i], 'extension_id')} />
                    <RestErrors errors={byRow[i]} shown={['extension_id', 'priority']} />
                  </td>
                  <td>
                    <input
                      type="number"
                      min={1}
                      max={10}
                      aria-label={t('group.priorityN', { n: i + 1 })}
                      value={m.priority ?? ''}
                      disabled={disabled}
                      onChange={(e) => set(i, { priority: e.target.value === '' ? null : Number(e.target.value) })}
                    />
                    <RowError id={`${id}-${i}-prio`} message={errorAt(byRow[i], 'priority')} />
                  </td>
                  <td>
                    <button type="button" className="link-button" disabled={disabled} onClick={() => onChange(members.filter((_, j) => j !== i))}>
                      {t('manage.remove')}
                    </button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <button type="button" disabled={disabled || free.length === 0} onClick={() => onChange([...members, { extension_id: free[0].id, priority: 1 }])}>
        {t('group.addMember')}
      </button>
    </div>
  );
}
