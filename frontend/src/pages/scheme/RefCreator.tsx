// "New…" next to a node's reference (schedule, group, voice message, IVR menu…): the
// collection's own create form, inline in the inspector. The object is created through
// the API and selected in the node; the scheme draft is not touched otherwise.
import type { ReactNode } from 'react';
import type { ApiClient } from '../../api';
import type { ComponentKind } from '../../flow/schemeApi';
import { useI18n } from '../../i18n';
import { ResourceForm } from '../../manage/ResourceForm';
import { TENANT_SPECS } from '../../manage/specs';
import type { ResourceSpec } from '../../manage/types';
import type { User } from '../../session';

/** The kinds a node refers to that can be made on the spot (numbers are allocated elsewhere). */
const CREATABLE = new Set<string>(['schedules', 'groups', 'voice-messages', 'ivr-menus', 'media', 'classifiers', 'voicemail-boxes', 'extensions']);

/** The management form of a referenced kind (null: not created from the canvas). */
export function creatableSpec(kind: ComponentKind): ResourceSpec | null {
  return CREATABLE.has(kind) ? ((TENANT_SPECS as Record<string, ResourceSpec | undefined>)[kind] ?? null) : null;
}

export function RefCreator({
  client,
  user,
  tenantId,
  kind,
  onCreated,
  onCancel,
}: {
  client: ApiClient;
  user: User;
  tenantId: string;
  kind: ComponentKind;
  onCreated: (id: string) => void;
  onCancel: () => void;
}): ReactNode {
  const { t } = useI18n();
  const spec = creatableSpec(kind);
  if (!spec) return null;
  return (
    <div className="ref-create" data-testid={`ref-create-${kind}`}>
      <ResourceForm
        spec={spec}
        client={client}
        base={{ user, tenantId, t }}
        itemId={null}
        listHref={null}
        onCreated={(item) => onCreated(item.id)}
        onDeleted={() => {}}
      />
      <button type="button" className="link-button" onClick={onCancel}>
        {t('common.cancel')}
      </button>
    </div>
  );
}
