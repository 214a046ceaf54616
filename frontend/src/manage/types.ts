// The declarative description of a managed collection: its list columns, its form fields,
// where it lives in the API and who may change it. One ResourceSpec per collection
// (specs.tsx); ResourceList / ResourceForm render any of them.
import type { ReactNode } from 'react';
import type { ApiClient } from '../api';
import type { MessageKey, Translate } from '../i18n';
import type { User } from '../session';

/** An object of the API: every resource carries id and version. */
export interface Item {
  id: string;
  version: number;
  [key: string]: unknown;
}

/** The form's values: the API document being edited (nested objects for dotted field names). */
export type Values = Record<string, unknown>;

/** Collections a form or list may look objects up in (for selects and labels). */
export type RefCollection =
  | 'extensions'
  | 'users'
  | 'groups'
  | 'media'
  | 'voice-messages'
  | 'ivr-menus'
  | 'voicemail-boxes'
  | 'classifiers'
  | 'schedules'
  | 'trunks'
  | 'pool-numbers'
  | 'tenants';

export type RefData = Partial<Record<RefCollection, Item[]>>;

export interface Ctx {
  user: User;
  tenantId: string | null;
  t: Translate;
  refs: RefData;
  /** true on the edit form of an existing object, false when creating one. */
  editing: boolean;
}

export interface Option {
  value: string;
  label: string;
}

export type Mode = 'create' | 'edit';

interface FieldBase {
  /** The value's path in the document: `name`, `numbering.min_digits`. Also the error path. */
  name: string;
  label: MessageKey;
  hint?: MessageKey;
  required?: boolean;
  /** Shown only when creating / only when editing. */
  only?: Mode;
  /** Shown but not editable when editing (e.g. a login). */
  fixedOnEdit?: boolean;
  /** Shown only when this says so (e.g. the owner select of the chosen owner type). */
  when?: (values: Values, ctx: Ctx) => boolean;
  /** May the current user change it? Not sent when not. */
  editable?: (ctx: Ctx) => boolean;
  /** Takes the whole width of the form grid. */
  wide?: boolean;
  /** Fields emptied when this one changes (the owner when the owner's type changes). */
  resets?: string[];
}

export interface TextField extends FieldBase {
  kind: 'text';
  inputType?: 'text' | 'email' | 'password' | 'tel' | 'date';
  maxLength?: number;
  placeholder?: string;
  /** An empty input is sent as null (optional values such as a caller id). */
  nullable?: boolean;
  /** When editing, an empty input is not sent at all (a new password). */
  omitEmpty?: boolean;
  mono?: boolean;
  autoComplete?: string;
}

export interface TextAreaField extends FieldBase {
  kind: 'textarea';
  maxLength?: number;
}

export interface IntField extends FieldBase {
  kind: 'int';
  min?: number;
  max?: number;
  /** An empty input is sent as null (no limit); otherwise it is left out when creating. */
  nullable?: boolean;
}

export interface CheckboxField extends FieldBase {
  kind: 'checkbox';
}

export interface SelectField extends FieldBase {
  kind: 'select';
  options: (ctx: Ctx, values: Values) => Option[];
  /** Adds a "— none —" choice, sent as null. */
  nullable?: boolean;
}

export interface ChecklistField extends FieldBase {
  kind: 'checklist';
  options: (ctx: Ctx, values: Values) => Option[];
}

export interface CustomFieldProps {
  value: unknown;
  values: Values;
  onChange: (value: unknown) => void;
  /** Every field error of the form, by full path (`devices[0].number`). */
  errors: Record<string, string>;
  ctx: Ctx;
  disabled: boolean;
  id: string;
}

export interface CustomField extends FieldBase {
  kind: 'custom';
  render: (props: CustomFieldProps) => ReactNode;
  /** Whether the label is a <label for> (a single control) or a heading (a table, a grid). */
  labelledControl?: boolean;
}

export type FieldSpec = TextField | TextAreaField | IntField | CheckboxField | SelectField | ChecklistField | CustomField;

export interface ColumnSpec {
  key: string;
  label: MessageKey;
  /** The API's order field when the column is sortable. */
  sort?: string;
  render?: (item: Item, ctx: Ctx) => ReactNode;
  mono?: boolean;
  /** The column whose cell links to the edit form. */
  primary?: boolean;
}

export interface ExtraProps {
  client: ApiClient;
  item: Item;
  ctx: Ctx;
  /** The page's API path of the object (…/extensions/<id>). */
  itemPath: string;
  /** Replace the object after a change made outside the form (an import). */
  onChanged: (item: Item) => void;
  disabled: boolean;
}

export interface ResourceSpec {
  key: string;
  /** The list's heading. */
  title: MessageKey;
  /** "New extension" */
  createLabel: MessageKey;
  /** What one object is called in messages ("extension 201 Sales"). */
  describe: (item: Item) => string;
  /** The collection's API path. */
  path: (tenantId: string | null) => string;
  columns: ColumnSpec[];
  fields: FieldSpec[];
  /** The list's order when opened (an API order field). */
  defaultOrder: string | null;
  /** Collections to load for the form's selects and the list's labels. */
  refs?: RefCollection[];
  /** The form's values of a loaded object (default: the object itself). */
  toValues?: (item: Item) => Values;
  /** Values of a new object's form. */
  initial: (ctx: Ctx) => Values;
  /** Final touches on the request body (after the fields are collected). */
  toBody?: (body: Values, values: Values, mode: Mode, ctx: Ctx) => Values;
  canCreate?: (user: User) => boolean;
  canEdit?: (user: User) => boolean;
  canDelete?: (user: User) => boolean;
  /** Panels under the edit form: credentials, audio, imports, messages. */
  extra?: (props: ExtraProps) => ReactNode;
  /** A create page of its own instead of the generic form (media upload). */
  createPage?: (props: { client: ApiClient; ctx: Ctx; path: string; onCreated: (item: Item) => void }) => ReactNode;
  /** List-level tools shown next to "New …" (the operator's number allocation). */
  listTools?: (props: { client: ApiClient; ctx: Ctx; reload: () => void }) => ReactNode;
  /** An extra hint line under the list heading. */
  listHint?: MessageKey;
}
