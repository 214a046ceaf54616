// Selects of a tenant's groups and extensions (operators) by number, as the reports filter
// calls (group_number, user_number), from the shared cache of the forms.
import type { ApiClient, Page } from '../../api';
import { useI18n } from '../../i18n';
import { useCached } from '../../manage/cache';
import { refPath } from '../../manage/refs';

interface Named {
  id: string;
  name?: string;
  number?: string;
}

interface Props {
  client: ApiClient;
  tenantId: string;
  label: string;
  value: string;
  onChange: (value: string) => void;
  invalid?: boolean;
}

/** What a group option stands for: its id (contact-centre reports) or its number (call search). */
type GroupKey = { by?: 'id' | 'number' };

function RefSelect({ client, collection, tenantId, label, value, onChange, invalid, describe, by = 'number' }: Props & GroupKey & { collection: 'groups' | 'extensions'; describe: (x: Named) => string }) {
  const { t } = useI18n();
  const list = useCached<Page<Named>>(client, refPath(collection, tenantId));
  return (
    <label className="report-filter">
      <span>{label}</span>
      <select aria-label={label} value={value} aria-invalid={invalid || undefined} onChange={(e) => onChange(e.target.value)}>
        <option value="">— {t('reports.any')} —</option>
        {(list.data?.items ?? []).map((x) => (
          <option key={x.id} value={by === 'id' ? x.id : (x.number ?? x.id)}>
            {describe(x)}
          </option>
        ))}
      </select>
    </label>
  );
}

export function GroupSelect(props: Props & GroupKey) {
  return <RefSelect {...props} collection="groups" describe={(g) => [g.number, g.name].filter(Boolean).join(' ') || g.id} />;
}

/** An operator or user: their extension's number. */
export function ExtensionSelect(props: Props) {
  return <RefSelect {...props} collection="extensions" describe={(x) => [x.number, x.name].filter(Boolean).join(' ') || x.id} />;
}
