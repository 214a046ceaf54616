// The collections a form looks objects up in (owner user, member extensions, a prompt's
// voice message…), loaded whole (up to 500) through the shared cache.
import type { ApiClient, Page } from '../api';
import { useCached } from './cache';
import type { Item, RefCollection, RefData } from './types';

const ORDER: Record<RefCollection, string> = {
  extensions: 'number',
  users: 'login',
  groups: 'number',
  media: 'name',
  'voice-messages': 'name',
  'ivr-menus': 'name',
  'voicemail-boxes': 'mailbox',
  classifiers: 'name',
  schedules: 'name',
  trunks: 'name',
  'pool-numbers': 'number',
  tenants: 'name',
};

export function collectionPath(collection: RefCollection, tenantId: string | null): string | null {
  if (collection === 'trunks') return '/api/trunks';
  if (collection === 'pool-numbers') return '/api/numbers';
  if (collection === 'tenants') return '/api/tenants';
  return tenantId ? `/api/tenants/${encodeURIComponent(tenantId)}/${collection}` : null;
}

export function refPath(collection: RefCollection, tenantId: string | null): string | null {
  const base = collectionPath(collection, tenantId);
  return base ? `${base}?limit=500&order=${ORDER[collection]}` : null;
}

const ALL: readonly RefCollection[] = Object.keys(ORDER) as RefCollection[];

/** Every ref collection is a hook call (fixed order); those not wanted ask for nothing. */
export function useRefs(client: ApiClient, tenantId: string | null, wanted: readonly RefCollection[] = []): { refs: RefData; loading: boolean } {
  const refs: RefData = {};
  let loading = false;
  for (const collection of ALL) {
    const path = wanted.includes(collection) ? refPath(collection, tenantId) : null;
    // eslint-disable-next-line react-hooks/rules-of-hooks -- ALL is a constant: same calls every render
    const page = useCached<Page<Item>>(client, path);
    if (path) {
      if (page.data) refs[collection] = page.data.items;
      loading ||= page.loading;
    }
  }
  return { refs, loading };
}

/** A referenced object's label: "201 Sales", "ann (Ann Smith)", a name; the id when it is gone. */
export function refLabel(collection: RefCollection, item: Item | undefined, id?: string | null): string {
  if (!item) return id ? `? ${id.slice(0, 8)}` : '';
  const s = (k: string) => (typeof item[k] === 'string' ? (item[k] as string) : '');
  switch (collection) {
    case 'extensions':
    case 'groups':
      return `${s('number')} ${s('name')}`.trim();
    case 'users':
      return s('name') && s('name') !== s('login') ? `${s('login')} (${s('name')})` : s('login');
    case 'voicemail-boxes':
      return `${s('mailbox')} ${s('name')}`.trim();
    case 'pool-numbers':
      return s('number');
    default:
      return s('name') || item.id;
  }
}

export function findRef(refs: RefData, collection: RefCollection, id: unknown): Item | undefined {
  return typeof id === 'string' ? refs[collection]?.find((i) => i.id === id) : undefined;
}

export function refOptions(refs: RefData, collection: RefCollection): { value: string; label: string }[] {
  return (refs[collection] ?? []).map((item) => ({ value: item.id, label: refLabel(collection, item) }));
}
