// What each managed collection looks like: list columns, form fields, API path, rights and
// custom editors. The generic ResourceList / ResourceForm render these.
import type { MessageKey } from '../i18n';
import type { User } from '../session';
import type { PlatformSection, TenantSection } from '../router';
import { AuthAudio } from './editors/AuthAudio';
import { cleanDevice, DevicesEditor, newDevice, SipCredentials, type DeviceValue } from './editors/DevicesEditor';
import { cleanEntries, EntriesEditor, type Entry } from './editors/EntriesEditor';
import { FileImport } from './editors/FileImport';
import { ExitEditor, IvrKeysEditor } from './editors/IvrEditor';
import { formatBytes, formatDuration, MediaPanel, MediaUpload } from './editors/Media';
import { MembersEditor } from './editors/MembersEditor';
import { dayNames, ExceptionsEditor, WeekGrid } from './editors/ScheduleEditor';
import { VoicemailMessages } from './editors/VoicemailMessages';
import { cleanAction, cleanKeys, describeKeys, targetKind, type ExitAction, type KeyAction } from './ivrModel';
import { findRef, refLabel, refOptions } from './refs';
import { exceptionToRow, rowToException, summarizePeriods, type ExceptionRow, type Period, type ScheduleException } from './scheduleModel';
import { EntriesImportOptions, entriesImportUrl } from './editors/EntriesImportOptions';
import { TenantName } from './TenantName';
import type { Ctx, FieldSpec, Item, Option, ResourceSpec, Values } from './types';

// --- rights ------------------------------------------------------------------------------

export function isOperator(user: Pick<User, 'role'>): boolean {
  return user.role === 'operator' || user.role === 'system';
}

/** A tenant admin of the tenant, or the platform operator (the API's write rule). */
export function isAdmin(user: Pick<User, 'role'>): boolean {
  return user.role === 'tenant_admin' || isOperator(user);
}

const admins = { canCreate: isAdmin, canEdit: isAdmin, canDelete: isAdmin };
const operators = { canCreate: isOperator, canEdit: isOperator, canDelete: isOperator };

// --- helpers -----------------------------------------------------------------------------

const str = (v: unknown): string => (typeof v === 'string' ? v : v == null ? '' : String(v));
const tenantPath = (collection: string) => (tenantId: string | null) => `/api/tenants/${encodeURIComponent(tenantId ?? '')}/${collection}`;

function choices(prefix: string, values: readonly string[]): (ctx: Ctx) => Option[] {
  return (ctx) => values.map((v) => ({ value: v, label: ctx.t(`${prefix}.${v}` as MessageKey) }));
}

const name: FieldSpec = { kind: 'text', name: 'name', label: 'f.name', required: true, maxLength: 100 };
const description: FieldSpec = { kind: 'textarea', name: 'description', label: 'f.description', maxLength: 500 };
const email: FieldSpec = { kind: 'text', name: 'email', label: 'f.email', inputType: 'email', maxLength: 254 };

function refField(fieldName: string, label: MessageKey, collection: Parameters<typeof refOptions>[1], hint?: MessageKey): FieldSpec {
  return { kind: 'select', name: fieldName, label, nullable: true, hint, options: (ctx) => refOptions(ctx.refs, collection) };
}

function refColumn(key: string, label: MessageKey, collection: Parameters<typeof refOptions>[1]) {
  return {
    key,
    label,
    render: (item: Item, ctx: Ctx) => (item[key] ? refLabel(collection, findRef(ctx.refs, collection, item[key]), str(item[key])) : '—'),
  };
}

// --- users -------------------------------------------------------------------------------

const TENANT_ROLES = ['tenant_admin', 'user', 'supervisor', 'auditor'] as const;

export const users: ResourceSpec = {
  key: 'users',
  title: 'section.users',
  createLabel: 'create.users',
  describe: (u) => `${str(u.login)}${u.name && u.name !== u.login ? ` (${str(u.name)})` : ''}`,
  path: tenantPath('users'),
  defaultOrder: 'login',
  columns: [
    { key: 'login', label: 'f.login', sort: 'login', primary: true, mono: true },
    { key: 'name', label: 'f.name', sort: 'name' },
    { key: 'role', label: 'f.role', sort: 'role', render: (u, ctx) => ctx.t(`role.${str(u.role)}` as MessageKey) },
    { key: 'email', label: 'f.email' },
    { key: 'enabled', label: 'f.enabled' },
  ],
  fields: [
    { kind: 'text', name: 'login', label: 'f.login', required: true, maxLength: 64, fixedOnEdit: true, mono: true, autoComplete: 'off' },
    name,
    { kind: 'text', name: 'password', label: 'f.password', inputType: 'password', required: true, only: 'create', hint: 'hint.password' },
    { kind: 'text', name: 'password', label: 'f.newPassword', inputType: 'password', only: 'edit', omitEmpty: true, hint: 'hint.newPassword' },
    { kind: 'select', name: 'role', label: 'f.role', options: choices('role', TENANT_ROLES) },
    email,
    { kind: 'checkbox', name: 'enabled', label: 'f.enabled' },
  ],
  initial: () => ({ login: '', name: '', password: '', role: 'user', email: '', enabled: true }),
  toValues: (u) => ({ ...u, password: '' }),
  ...admins,
};

// --- extensions --------------------------------------------------------------------------

function deviceSummary(d: DeviceValue): string {
  return d.type === 'sip' ? `SIP ${str(d.username)}` : `→ ${str(d.number)}`;
}

export const extensions: ResourceSpec = {
  key: 'extensions',
  title: 'section.extensions',
  createLabel: 'create.extensions',
  describe: (e) => `${str(e.number)} ${str(e.name)}`.trim(),
  path: tenantPath('extensions'),
  defaultOrder: 'number',
  refs: ['users'],
  columns: [
    { key: 'number', label: 'f.number', sort: 'number', primary: true, mono: true },
    { key: 'name', label: 'f.name', sort: 'name' },
    {
      key: 'devices',
      label: 'f.devices',
      render: (e) => (
        <ul className="devices">
          {((e.devices as DeviceValue[]) ?? []).map((d, i) => (
            <li key={d.id ?? i} className={d.enabled === false ? 'is-disabled mono' : 'mono'}>
              {deviceSummary(d)}
            </li>
          ))}
        </ul>
      ),
    },
    refColumn('owner_user_id', 'f.owner_user_id', 'users'),
    { key: 'voicemail', label: 'f.voicemail' },
  ],
  fields: [
    { kind: 'text', name: 'number', label: 'f.number', required: true, maxLength: 20, mono: true, hint: 'hint.extensionNumber' },
    name,
    refField('owner_user_id', 'f.owner_user_id', 'users'),
    { kind: 'select', name: 'ring_strategy', label: 'f.ring_strategy', options: choices('ringStrategy', ['parallel', 'sequential']) },
    { kind: 'text', name: 'outbound_caller_id', label: 'f.outbound_caller_id', inputType: 'tel', nullable: true, mono: true, hint: 'hint.callerId' },
    { kind: 'checkbox', name: 'voicemail', label: 'f.voicemailOn' },
    { kind: 'custom', name: 'devices', label: 'f.devices', render: (p) => <DevicesEditor {...p} /> },
  ],
  initial: () => ({
    number: '',
    name: '',
    owner_user_id: null,
    ring_strategy: 'parallel',
    outbound_caller_id: '',
    voicemail: false,
    devices: [newDevice('sip')],
  }),
  toValues: (e) => ({ ...e, outbound_caller_id: str(e.outbound_caller_id) }),
  toBody: (body) => (Array.isArray(body.devices) ? { ...body, devices: (body.devices as DeviceValue[]).map(cleanDevice) } : body),
  extra: ({ item, client }) => <SipCredentials client={client} devices={(item.devices as DeviceValue[]) ?? []} />,
  ...admins,
};

// --- numbers (allocated to the tenant) ---------------------------------------------------

function destinationOptions(ctx: Ctx): Option[] {
  return [...(ctx.refs.extensions ?? []), ...(ctx.refs.groups ?? [])]
    .map((i) => ({ value: str(i.number), label: `${str(i.number)} ${str(i.name)}` }))
    .sort((a, b) => a.value.localeCompare(b.value));
}

export const numbers: ResourceSpec = {
  key: 'numbers',
  title: 'section.numbers',
  createLabel: 'create.numbers',
  describe: (n) => str(n.number),
  path: tenantPath('numbers'),
  defaultOrder: 'number',
  refs: ['extensions', 'groups', 'pool-numbers'],
  listHint: 'hint.numbersList',
  columns: [
    { key: 'number', label: 'f.number', sort: 'number', primary: true, mono: true },
    { key: 'destination', label: 'f.destination', mono: true, render: (n, ctx) => (n.destination ? str(n.destination) : ctx.t('number.everyExtension')) },
    { key: 'description', label: 'f.description' },
  ],
  fields: [
    {
      kind: 'select',
      name: 'number',
      label: 'f.poolNumber',
      only: 'create',
      required: true,
      hint: 'hint.poolNumber',
      options: (ctx) => (ctx.refs['pool-numbers'] ?? []).filter((n) => !n.tenant_id).map((n) => ({ value: str(n.number), label: str(n.number) })),
    },
    { kind: 'text', name: 'number', label: 'f.number', only: 'edit', fixedOnEdit: true, mono: true },
    { kind: 'text', name: 'description', label: 'f.description', only: 'edit', editable: () => false },
    {
      kind: 'select',
      name: 'destination',
      label: 'f.destination',
      only: 'edit',
      nullable: true,
      hint: 'hint.destination',
      options: destinationOptions,
    },
  ],
  initial: () => ({ number: '' }),
  canCreate: isOperator,
  canEdit: isAdmin,
  canDelete: isOperator,
};

// --- groups ------------------------------------------------------------------------------

const STRATEGIES = ['ring_all', 'round_robin_memory', 'linear', 'random', 'least_recent', 'fewest_calls'] as const;

export const groups: ResourceSpec = {
  key: 'groups',
  title: 'section.groups',
  createLabel: 'create.groups',
  describe: (g) => `${str(g.number)} ${str(g.name)}`.trim(),
  path: tenantPath('groups'),
  defaultOrder: 'number',
  refs: ['extensions', 'media', 'voice-messages', 'classifiers'],
  columns: [
    { key: 'number', label: 'f.number', sort: 'number', primary: true, mono: true },
    { key: 'name', label: 'f.name', sort: 'name' },
    { key: 'strategy', label: 'f.strategy', sort: 'strategy', render: (g, ctx) => ctx.t(`strategy.${str(g.strategy)}` as MessageKey) },
    { key: 'members', label: 'f.members' },
  ],
  fields: [
    { kind: 'text', name: 'number', label: 'f.number', required: true, maxLength: 20, mono: true, hint: 'hint.extensionNumber' },
    name,
    { kind: 'select', name: 'strategy', label: 'f.strategy', options: choices('strategy', STRATEGIES) },
    { kind: 'int', name: 'ring_time', label: 'f.ring_time', min: 5, max: 600 },
    { kind: 'int', name: 'max_wait', label: 'f.max_wait', min: 0, max: 3600, hint: 'hint.zeroNoLimit' },
    { kind: 'int', name: 'max_len', label: 'f.max_len', min: 0, max: 1000, hint: 'hint.zeroNoLimit' },
    { kind: 'int', name: 'wrapup', label: 'f.wrapup', min: 0, max: 600 },
    { kind: 'custom', name: 'members', label: 'f.members', render: (p) => <MembersEditor {...p} /> },
    refField('greeting_message_id', 'f.greeting_message_id', 'voice-messages', 'hint.greeting'),
    refField('greeting_media_id', 'f.greeting_media_id', 'media'),
    { kind: 'text', name: 'moh_class', label: 'f.moh_class', nullable: true, maxLength: 32, hint: 'hint.moh_class' },
    refField('vip_classifier_id', 'f.vip_classifier_id', 'classifiers'),
    { kind: 'checkbox', name: 'announce_position', label: 'f.announce_position' },
    { kind: 'checkbox', name: 'announce_holdtime', label: 'f.announce_holdtime' },
    { kind: 'checkbox', name: 'voicemail', label: 'f.groupVoicemail' },
    description,
  ],
  initial: () => ({
    number: '',
    name: '',
    strategy: 'ring_all',
    members: [],
    ring_time: 20,
    max_wait: 120,
    wrapup: 0,
    max_len: 0,
    greeting_media_id: null,
    greeting_message_id: null,
    moh_class: '',
    announce_position: false,
    announce_holdtime: false,
    vip_classifier_id: null,
    voicemail: false,
    description: '',
  }),
  toValues: (g) => ({ ...g, moh_class: str(g.moh_class) }),
  ...admins,
};

// --- pickup groups -----------------------------------------------------------------------

export const pickupGroups: ResourceSpec = {
  key: 'pickup-groups',
  title: 'section.pickup-groups',
  createLabel: 'create.pickup-groups',
  describe: (g) => str(g.name),
  path: tenantPath('pickup-groups'),
  defaultOrder: 'name',
  refs: ['extensions'],
  listHint: 'hint.pickupList',
  columns: [
    { key: 'name', label: 'f.name', sort: 'name', primary: true },
    {
      key: 'members',
      label: 'f.members',
      render: (g, ctx) =>
        ((g.members as string[]) ?? []).map((id) => refLabel('extensions', findRef(ctx.refs, 'extensions', id), id).split(' ')[0]).join(', ') || '—',
    },
    { key: 'description', label: 'f.description' },
  ],
  fields: [
    name,
    {
      kind: 'checklist',
      name: 'members',
      label: 'f.pickupMembers',
      hint: 'hint.pickupMembers',
      wide: true,
      options: (ctx) => refOptions(ctx.refs, 'extensions'),
    },
    description,
  ],
  initial: () => ({ name: '', members: [], description: '' }),
  ...admins,
};

// --- voicemail boxes ---------------------------------------------------------------------

const OWNER_REF = { extension: 'extensions', group: 'groups', user: 'users' } as const;

export const voicemailBoxes: ResourceSpec = {
  key: 'voicemail-boxes',
  title: 'section.voicemail-boxes',
  createLabel: 'create.voicemail-boxes',
  describe: (b) => `${str(b.mailbox)} ${str(b.name)}`.trim(),
  path: tenantPath('voicemail-boxes'),
  defaultOrder: 'mailbox',
  refs: ['extensions', 'groups', 'users'],
  columns: [
    { key: 'mailbox', label: 'f.mailbox', sort: 'mailbox', primary: true, mono: true },
    { key: 'name', label: 'f.name', sort: 'name' },
    {
      key: 'owner_id',
      label: 'f.owner',
      render: (b, ctx) => {
        const col = OWNER_REF[str(b.owner_type) as keyof typeof OWNER_REF];
        return col ? `${ctx.t(`owner.${str(b.owner_type)}` as MessageKey)}: ${refLabel(col, findRef(ctx.refs, col, b.owner_id), str(b.owner_id))}` : '—';
      },
    },
    { key: 'email', label: 'f.email' },
    { key: 'enabled', label: 'f.enabled' },
  ],
  fields: [
    name,
    { kind: 'text', name: 'mailbox', label: 'f.mailbox', required: true, maxLength: 10, mono: true },
    { kind: 'select', name: 'owner_type', label: 'f.owner_type', resets: ['owner_id'], options: choices('owner', ['extension', 'group', 'user']) },
    {
      kind: 'select',
      name: 'owner_id',
      label: 'f.owner',
      required: true,
      options: (ctx, values) => {
        const col = OWNER_REF[str(values.owner_type) as keyof typeof OWNER_REF];
        return col ? refOptions(ctx.refs, col) : [];
      },
    },
    { kind: 'text', name: 'pin', label: 'f.pin', nullable: true, mono: true, maxLength: 8, hint: 'hint.vmPin' },
    email,
    { kind: 'checkbox', name: 'attach_audio', label: 'f.attach_audio' },
    { kind: 'checkbox', name: 'enabled', label: 'f.enabled' },
    description,
  ],
  initial: () => ({ name: '', mailbox: '', owner_type: 'extension', owner_id: '', pin: '', email: '', attach_audio: true, enabled: true, description: '' }),
  toValues: (b) => ({ ...b, pin: str(b.pin) === '***' ? '' : str(b.pin) }),
  toBody: (body, _values, mode) => (mode === 'edit' && body.pin === null ? (({ pin: _pin, ...rest }) => rest)(body) : body),
  extra: ({ client, itemPath }) => <VoicemailMessages client={client} itemPath={itemPath} />,
  ...admins,
};

// --- media -------------------------------------------------------------------------------

export const media: ResourceSpec = {
  key: 'media',
  title: 'section.media',
  createLabel: 'create.media',
  describe: (m) => str(m.name),
  path: tenantPath('media'),
  defaultOrder: 'name',
  columns: [
    { key: 'name', label: 'f.name', sort: 'name', primary: true },
    { key: 'duration_ms', label: 'media.duration', render: (m) => formatDuration(m.duration_ms) },
    { key: 'format', label: 'media.format' },
    { key: 'size', label: 'media.size', render: (m) => (typeof m.size === 'number' ? formatBytes(m.size) : '—') },
    { key: 'moh_class', label: 'f.moh_class', sort: 'moh_class' },
  ],
  fields: [name, { kind: 'text', name: 'moh_class', label: 'f.moh_class', nullable: true, maxLength: 32, hint: 'hint.moh_class' }, description],
  initial: () => ({ name: '', moh_class: '', description: '' }),
  toValues: (m) => ({ ...m, moh_class: str(m.moh_class) }),
  createPage: (p) => <MediaUpload {...p} />,
  extra: ({ client, item, itemPath }) => <MediaPanel client={client} item={item} itemPath={itemPath} />,
  ...admins,
};

// --- voice messages ----------------------------------------------------------------------

export const voiceMessages: ResourceSpec = {
  key: 'voice-messages',
  title: 'section.voice-messages',
  createLabel: 'create.voice-messages',
  describe: (m) => str(m.name),
  path: tenantPath('voice-messages'),
  defaultOrder: 'name',
  refs: ['media'],
  columns: [
    { key: 'name', label: 'f.name', sort: 'name', primary: true },
    { key: 'text', label: 'f.text' },
    refColumn('media_id', 'f.media_id', 'media'),
    { key: 'repeat', label: 'f.repeat' },
  ],
  fields: [
    name,
    refField('media_id', 'f.media_id', 'media', 'hint.mediaOrText'),
    { kind: 'textarea', name: 'text', label: 'f.text', maxLength: 1000 },
    { kind: 'int', name: 'repeat', label: 'f.repeat', min: 1, max: 10 },
    { kind: 'int', name: 'pause_seconds', label: 'f.pause_seconds', min: 0, max: 60 },
    description,
  ],
  initial: () => ({ name: '', media_id: null, text: '', repeat: 1, pause_seconds: 0, description: '' }),
  extra: ({ client, item, ctx }) =>
    item.media_id && ctx.tenantId ? (
      <section className="panel" aria-labelledby="vm-audio-title">
        <h2 id="vm-audio-title">{ctx.t('media.listen')}</h2>
        <AuthAudio
          client={client}
          src={`/api/tenants/${encodeURIComponent(ctx.tenantId)}/media/${encodeURIComponent(str(item.media_id))}/audio`}
          label={ctx.t('media.listen')}
        />
      </section>
    ) : null,
  ...admins,
};

// --- schedules ---------------------------------------------------------------------------

export const schedules: ResourceSpec = {
  key: 'schedules',
  title: 'section.schedules',
  createLabel: 'create.schedules',
  describe: (s) => str(s.name),
  path: tenantPath('schedules'),
  defaultOrder: 'name',
  columns: [
    { key: 'name', label: 'f.name', sort: 'name', primary: true },
    { key: 'periods', label: 'f.periods', render: (s, ctx) => summarizePeriods((s.periods as Period[]) ?? [], dayNames(ctx.t)) || '—' },
    { key: 'exceptions', label: 'f.exceptions' },
  ],
  fields: [
    name,
    description,
    { kind: 'custom', name: 'periods', label: 'f.week', render: (p) => <WeekGrid {...p} /> },
    { kind: 'custom', name: 'exceptions', label: 'f.exceptions', render: (p) => <ExceptionsEditor {...p} /> },
  ],
  initial: () => ({ name: '', description: '', periods: [], exceptions: [] }),
  toValues: (s) => ({ ...s, exceptions: ((s.exceptions as ScheduleException[]) ?? []).map(exceptionToRow) }),
  toBody: (body) => (Array.isArray(body.exceptions) ? { ...body, exceptions: (body.exceptions as ExceptionRow[]).map(rowToException) } : body),
  extra: ({ client, item, itemPath, onChanged, disabled, ctx }) => (
    <FileImport
      client={client}
      title={ctx.t('schedule.importTitle')}
      hint={ctx.t('schedule.importHint')}
      accept=".csv,.txt,.json,text/csv,application/json"
      url={`${itemPath}/calendar`}
      item={item}
      onImported={onChanged}
      disabled={disabled}
      testId="calendar-import"
    />
  ),
  ...admins,
};

// --- IVR menus ---------------------------------------------------------------------------

function ivrTargetLabel(ctx: Ctx) {
  return (action: string, target: string) => {
    const kind = targetKind(action);
    if (kind === 'none') return ctx.t(`ivr.action.${action}` as MessageKey);
    if (kind === 'internal' || kind === 'external') return target;
    const col = kind === 'ivr_menu' ? 'ivr-menus' : kind === 'voice_message' ? 'voice-messages' : 'voicemail-boxes';
    return refLabel(col, findRef(ctx.refs, col, target), target);
  };
}

export const ivrMenus: ResourceSpec = {
  key: 'ivr-menus',
  title: 'section.ivr-menus',
  createLabel: 'create.ivr-menus',
  describe: (m) => str(m.name),
  path: tenantPath('ivr-menus'),
  defaultOrder: 'name',
  refs: ['voice-messages', 'ivr-menus', 'voicemail-boxes', 'extensions', 'groups'],
  columns: [
    { key: 'name', label: 'f.name', sort: 'name', primary: true },
    { key: 'keys', label: 'f.keys', render: (m, ctx) => describeKeys((m.keys as KeyAction[]) ?? [], ivrTargetLabel(ctx)) || '—' },
    refColumn('prompt_voice_message_id', 'f.prompt_voice_message_id', 'voice-messages'),
  ],
  fields: [
    name,
    refField('prompt_voice_message_id', 'f.prompt_voice_message_id', 'voice-messages'),
    refField('invalid_prompt_voice_message_id', 'f.invalid_prompt_voice_message_id', 'voice-messages'),
    { kind: 'int', name: 'digit_timeout', label: 'f.digit_timeout', min: 1, max: 30 },
    { kind: 'int', name: 'max_errors', label: 'f.max_errors', min: 1, max: 10 },
    { kind: 'checkbox', name: 'allow_direct_dial', label: 'f.allow_direct_dial' },
    { kind: 'custom', name: 'keys', label: 'f.keys', render: (p) => <IvrKeysEditor {...p} /> },
    { kind: 'custom', name: 'default_exit', label: 'f.default_exit', hint: 'hint.default_exit', render: (p) => <ExitEditor {...p} name="default_exit" /> },
    { kind: 'custom', name: 'timeout_exit', label: 'f.timeout_exit', hint: 'hint.timeout_exit', render: (p) => <ExitEditor {...p} name="timeout_exit" /> },
    description,
  ],
  initial: () => ({
    name: '',
    description: '',
    prompt_voice_message_id: null,
    invalid_prompt_voice_message_id: null,
    digit_timeout: 5,
    max_errors: 3,
    allow_direct_dial: false,
    keys: [],
    default_exit: { action: 'exit', target: null },
    timeout_exit: { action: 'exit', target: null },
  }),
  toBody: (body) => {
    const out = { ...body };
    if (Array.isArray(out.keys)) out.keys = cleanKeys(out.keys as KeyAction[]);
    for (const exit of ['default_exit', 'timeout_exit']) if (out[exit]) out[exit] = cleanAction(out[exit] as ExitAction);
    return out;
  },
  ...admins,
};

// --- classifiers -------------------------------------------------------------------------

export const classifiers: ResourceSpec = {
  key: 'classifiers',
  title: 'section.classifiers',
  createLabel: 'create.classifiers',
  describe: (c) => str(c.name),
  path: tenantPath('classifiers'),
  defaultOrder: 'name',
  columns: [
    { key: 'name', label: 'f.name', sort: 'name', primary: true },
    { key: 'entries', label: 'f.entries' },
    { key: 'description', label: 'f.description' },
  ],
  fields: [name, description, { kind: 'custom', name: 'entries', label: 'f.entries', render: (p) => <EntriesEditor {...p} /> }],
  initial: () => ({ name: '', description: '', entries: [] }),
  toValues: (c) => ({ ...c, entries: ((c.entries as Entry[]) ?? []).map((e) => ({ ...e, phone: str(e.phone) })) }),
  toBody: (body) => (Array.isArray(body.entries) ? { ...body, entries: cleanEntries(body.entries as Entry[]) } : body),
  extra: ({ client, item, itemPath, onChanged, disabled, ctx }) => (
    <EntriesImportOptions>
      {(mode, options) => (
        <FileImport
          client={client}
          title={ctx.t('classifier.importTitle')}
          hint={ctx.t('classifier.importHint')}
          accept=".csv,.txt,.xlsx,.json,text/csv,application/json,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
          url={entriesImportUrl(itemPath, mode)}
          item={item}
          onImported={onChanged}
          disabled={disabled}
          options={options}
          testId="entries-import"
        />
      )}
    </EntriesImportOptions>
  ),
  ...admins,
};

// --- tenants (platform; a tenant admin edits some fields of their own) -------------------

export const TENANT_ADMIN_FIELDS = new Set(['name', 'timezone', 'language', 'email', 'pin', 'description', 'pickup_code']);
const operatorOnly = (ctx: Ctx) => isOperator(ctx.user);

export function timeZones(current?: string): string[] {
  let zones: string[] = [];
  try {
    zones = (Intl as unknown as { supportedValuesOf?: (k: string) => string[] }).supportedValuesOf?.('timeZone') ?? [];
  } catch {
    zones = [];
  }
  const all = new Set(['UTC', 'Europe/Moscow', ...zones]);
  if (current) all.add(current);
  return [...all].sort();
}

const LIMITS = [
  'simultaneous_calls',
  'incoming',
  'outgoing_local',
  'outgoing_long_distance',
  'outgoing_international',
  'internal',
  'max_call_seconds',
  'extensions',
] as const;

export const tenants: ResourceSpec = {
  key: 'tenants',
  title: 'section.tenants',
  createLabel: 'create.tenants',
  describe: (t) => str(t.name),
  path: () => '/api/tenants',
  defaultOrder: 'name',
  columns: [
    { key: 'name', label: 'f.name', sort: 'name', primary: true },
    { key: 'code', label: 'f.code', sort: 'code', mono: true },
    { key: 'timezone', label: 'f.timezone' },
    { key: 'status', label: 'f.status', sort: 'status', render: (t, ctx) => ctx.t(`status.${str(t.status)}` as MessageKey) },
    { key: 'created_at', label: 'f.created_at', sort: 'created_at', render: (t) => (t.created_at ? new Date(str(t.created_at)).toLocaleDateString() : '—') },
  ],
  fields: [
    name,
    { kind: 'text', name: 'code', label: 'f.code', only: 'create', mono: true, nullable: true, maxLength: 12, hint: 'hint.tenantCode' },
    { kind: 'text', name: 'code', label: 'f.code', only: 'edit', fixedOnEdit: true, mono: true },
    { kind: 'select', name: 'timezone', label: 'f.timezone', options: (_ctx, v) => timeZones(str(v.timezone)).map((z) => ({ value: z, label: z })) },
    { kind: 'select', name: 'language', label: 'f.language', options: () => [{ value: 'ru', label: 'Русский' }, { value: 'en', label: 'English' }] },
    email,
    { kind: 'text', name: 'pin', label: 'f.tenantPin', nullable: true, mono: true, maxLength: 8, hint: 'hint.tenantPin' },
    { kind: 'text', name: 'pickup_code', label: 'f.pickup_code', mono: true, maxLength: 8, hint: 'hint.pickup_code' },
    { kind: 'select', name: 'status', label: 'f.status', editable: operatorOnly, options: choices('status', ['active', 'blocked', 'financially_blocked']) },
    { kind: 'text', name: 'billing_account', label: 'f.billing_account', editable: operatorOnly, maxLength: 64 },
    description,
    { kind: 'int', name: 'numbering.min_digits', label: 'f.min_digits', min: 2, max: 6, editable: operatorOnly },
    { kind: 'int', name: 'numbering.max_digits', label: 'f.max_digits', min: 2, max: 6, editable: operatorOnly },
    { kind: 'checkbox', name: 'numbering.allow_leading_zero_or_one', label: 'f.allow_leading_zero_or_one', editable: operatorOnly },
    ...LIMITS.map(
      (l): FieldSpec => ({ kind: 'int', name: `limits.${l}`, label: `limit.${l}` as MessageKey, min: 0, nullable: true, editable: operatorOnly, hint: l === 'simultaneous_calls' ? 'hint.limits' : undefined }),
    ),
  ],
  initial: () => ({
    name: '',
    code: '',
    timezone: 'Europe/Moscow',
    language: 'ru',
    email: '',
    pin: '',
    pickup_code: '*8',
    status: 'active',
    billing_account: '',
    description: '',
    numbering: { min_digits: 3, max_digits: 5, allow_leading_zero_or_one: false },
    limits: Object.fromEntries(LIMITS.map((l) => [l, null])),
  }),
  toValues: (t) => ({
    ...t,
    pin: str(t.pin) === '***' ? '' : str(t.pin),
    limits: { ...Object.fromEntries(LIMITS.map((l) => [l, null])), ...((t.limits as Values) ?? {}) },
  }),
  canCreate: isOperator,
  canEdit: isAdmin,
  canDelete: isOperator,
};

// --- platform: number pool and trunks ----------------------------------------------------

export const poolNumbers: ResourceSpec = {
  key: 'pool-numbers',
  title: 'section.pool-numbers',
  createLabel: 'create.pool-numbers',
  describe: (n) => str(n.number),
  path: () => '/api/numbers',
  defaultOrder: 'number',
  refs: ['trunks', 'tenants'],
  listHint: 'hint.poolList',
  columns: [
    { key: 'number', label: 'f.number', sort: 'number', primary: true, mono: true },
    { key: 'tenant_id', label: 'f.tenant', render: (n, ctx) => (n.tenant_id ? <TenantName id={str(n.tenant_id)} ctx={ctx} /> : ctx.t('number.free')) },
    refColumn('trunk_id', 'f.trunk_id', 'trunks'),
    { key: 'destination', label: 'f.destination', mono: true },
    { key: 'description', label: 'f.description' },
  ],
  fields: [
    { kind: 'text', name: 'number', label: 'f.number', required: true, inputType: 'tel', mono: true, fixedOnEdit: true, hint: 'hint.e164' },
    refField('trunk_id', 'f.trunk_id', 'trunks'),
    { kind: 'text', name: 'destination', label: 'f.destination', nullable: true, mono: true, hint: 'hint.poolDestination' },
    description,
  ],
  initial: () => ({ number: '', trunk_id: null, destination: '', description: '' }),
  toValues: (n) => ({ ...n, destination: str(n.destination) }),
  ...operators,
};

const CODECS = ['alaw', 'ulaw', 'g722', 'opus', 'gsm', 'g729'] as const;

export const trunks: ResourceSpec = {
  key: 'trunks',
  title: 'section.trunks',
  createLabel: 'create.trunks',
  describe: (t) => str(t.name),
  path: () => '/api/trunks',
  defaultOrder: 'name',
  columns: [
    { key: 'name', label: 'f.name', sort: 'name', primary: true },
    { key: 'host', label: 'f.host', sort: 'host', mono: true, render: (t) => `${str(t.host)}:${str(t.port)}` },
    { key: 'username', label: 'f.username', mono: true },
    { key: 'register', label: 'f.register' },
    { key: 'lines', label: 'f.lines' },
    { key: 'enabled', label: 'f.enabled' },
  ],
  fields: [
    name,
    { kind: 'text', name: 'host', label: 'f.host', required: true, mono: true, maxLength: 253 },
    { kind: 'int', name: 'port', label: 'f.port', min: 1, max: 65535 },
    { kind: 'text', name: 'username', label: 'f.username', required: true, mono: true, maxLength: 64 },
    { kind: 'text', name: 'password', label: 'f.trunkPassword', required: true, mono: true, maxLength: 64 },
    { kind: 'int', name: 'lines', label: 'f.lines', min: 1, max: 10000 },
    { kind: 'checklist', name: 'codecs', label: 'f.codecs', options: () => CODECS.map((c) => ({ value: c, label: c })) },
    { kind: 'checkbox', name: 'register', label: 'f.register' },
    { kind: 'checkbox', name: 'enabled', label: 'f.enabled' },
  ],
  initial: () => ({ name: '', host: '', port: 5060, username: '', password: '', lines: 30, codecs: ['alaw', 'ulaw'], register: false, enabled: true }),
  ...operators,
};

// --- registry ----------------------------------------------------------------------------

export const TENANT_SPECS: Record<Exclude<TenantSection, 'settings'>, ResourceSpec> = {
  extensions,
  users,
  numbers,
  groups,
  'pickup-groups': pickupGroups,
  'voicemail-boxes': voicemailBoxes,
  media,
  'voice-messages': voiceMessages,
  schedules,
  'ivr-menus': ivrMenus,
  classifiers,
};

export const PLATFORM_SPECS: Record<PlatformSection, ResourceSpec> = {
  tenants,
  numbers: poolNumbers,
  trunks,
};

