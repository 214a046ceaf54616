// The inspector: a form for the selected node's params (selects for the components it
// refers to), the selected edge, or the scheme itself when nothing is selected.
// A select applies at once; a text or number field when it loses focus or on Enter.
import { useEffect, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import { componentLabel, findComponent, nodeLabel, portLabel } from '../../flow/labels';
import { menuExitKeys } from '../../flow/ports';
import type { ComponentKind, Components } from '../../flow/schemeApi';
import type { CatalogueEntry, Finding, GraphEdge, GraphNode, IvrMenu, NodeParams, Scheme } from '../../flow/types';
import { useI18n, type MessageKey } from '../../i18n';

type FieldDef =
  | { name: string; kind: 'ref'; ref: ComponentKind }
  | { name: string; kind: 'number'; min: number; max: number }
  | { name: string; kind: 'text'; placeholder?: string; nullable?: boolean }
  | { name: string; kind: 'list'; suggest?: ComponentKind; placeholder?: string }
  | { name: string; kind: 'choice'; options: string[] };

export const FIELDS: Record<string, FieldDef[]> = {
  entry: [{ name: 'numbers', kind: 'list', suggest: 'numbers', placeholder: '+74951234567, 300' }],
  caller_filter: [
    { name: 'classifier_id', kind: 'ref', ref: 'classifiers' },
    { name: 'prefixes', kind: 'list', placeholder: '7495, 7499' },
  ],
  time_condition: [{ name: 'schedule_id', kind: 'ref', ref: 'schedules' }],
  play_message: [{ name: 'voice_message_id', kind: 'ref', ref: 'voice-messages' }],
  ivr: [{ name: 'menu_id', kind: 'ref', ref: 'ivr-menus' }],
  dial: [
    { name: 'extension_id', kind: 'ref', ref: 'extensions' },
    { name: 'ring_time', kind: 'number', min: 1, max: 300 },
  ],
  group: [{ name: 'group_id', kind: 'ref', ref: 'groups' }],
  forward: [
    { name: 'number', kind: 'text', placeholder: '+74951234567', nullable: true },
    { name: 'ring_time', kind: 'number', min: 1, max: 300 },
  ],
  direct_dial: [
    { name: 'voice_message_id', kind: 'ref', ref: 'voice-messages' },
    { name: 'max_digits', kind: 'number', min: 2, max: 8 },
    { name: 'wait', kind: 'number', min: 1, max: 30 },
  ],
  voicemail: [{ name: 'box_id', kind: 'ref', ref: 'voicemail-boxes' }],
  fax: [],
  set_name: [
    { name: 'text', kind: 'text' },
    { name: 'mode', kind: 'choice', options: ['prefix', 'replace'] },
  ],
  hangup: [{ name: 'cause', kind: 'choice', options: ['normal', 'busy', 'congestion'] }],
};

/** The form's text for a param value. */
export function fieldText(def: FieldDef, value: unknown): string {
  if (def.kind === 'list') return Array.isArray(value) ? value.join(', ') : '';
  if (value === null || value === undefined) return '';
  return String(value);
}

/** The param value of the form's text (what the server expects for the field). */
export function fieldValue(def: FieldDef, text: string): unknown {
  const trimmed = text.trim();
  switch (def.kind) {
    case 'list':
      return trimmed ? trimmed.split(/[\s,;]+/).filter(Boolean) : [];
    case 'ref':
      return trimmed || null;
    case 'number': {
      if (!trimmed) return undefined;
      const n = Number(trimmed);
      return Number.isFinite(n) ? n : trimmed; // the server names what is wrong
    }
    case 'text':
      return def.nullable && !trimmed ? null : text;
    case 'choice':
      return trimmed;
  }
}

/** The params after one field changed (undefined: back to the server's default). */
export function paramsWith(params: NodeParams, def: FieldDef, text: string): NodeParams {
  const next = { ...params };
  const value = fieldValue(def, text);
  if (value === undefined) delete next[def.name];
  else next[def.name] = value;
  return next;
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

interface NodeInspectorProps {
  node: GraphNode;
  catalogue: Record<string, CatalogueEntry>;
  components: Components;
  findings: Finding[];
  edges: GraphEdge[];
  /** The node's output ports, as drawn. */
  ports: string[];
  /** Nodes an exit of this node may lead to, by port. */
  targets: (port: string) => { id: string; label: string }[];
  readOnly: boolean;
  onApply: (params: NodeParams) => void;
  /** Lead an exit to a node, or (null) nowhere. */
  onRoute: (port: string, to: string | null) => void;
  onDelete: () => void;
  /** The inline create form of a referenced kind ("New…"); null when that kind cannot be created here. */
  newRef?: (kind: ComponentKind, done: (id: string) => void, cancel: () => void) => ReactNode | null;
  canCreateRef?: (kind: ComponentKind) => boolean;
}

export function NodeInspector({
  node,
  catalogue,
  components,
  findings,
  edges,
  ports,
  targets,
  readOnly,
  onApply,
  onRoute,
  onDelete,
  newRef,
  canCreateRef = () => true,
}: NodeInspectorProps) {
  const { t } = useI18n();
  const [creating, setCreating] = useState<string | null>(null);
  const defs = FIELDS[node.type] ?? [];
  const initial = () => Object.fromEntries(defs.map((d) => [d.name, fieldText(d, node.params[d.name])]));
  const [values, setValues] = useState<Record<string, string>>(initial);
  const paramsKey = JSON.stringify(node.params);
  // What the fields last showed from the server: a field the user has typed into since keeps
  // the typed text when the server's answer (e.g. to adding the node) changes other params.
  const shown = useRef<{ id: string; texts: Record<string, string> }>({ id: node.id, texts: initial() });
  useEffect(() => {
    const fresh = initial();
    const before = shown.current;
    shown.current = { id: node.id, texts: fresh };
    if (before.id !== node.id) {
      setValues(fresh);
      return;
    }
    setValues((typed) =>
      Object.fromEntries(
        Object.entries(fresh).map(([name, text]) => [name, typed[name] !== before.texts[name] ? typed[name] : text]),
      ),
    );
  }, [node.id, paramsKey]);

  const commit = (def: FieldDef, text: string) => {
    const next = paramsWith(node.params, def, text);
    if (!sameJson(next, node.params)) onApply(next);
  };
  const onKey = (def: FieldDef) => (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'Enter') {
      e.preventDefault();
      commit(def, (e.target as HTMLInputElement).value);
    }
  };

  const menu =
    node.type === 'ivr' ? (findComponent(components, 'ivr-menus', node.params.menu_id) as IvrMenu | undefined) : undefined;
  const outgoing = edges.filter((e) => e.from === node.id);

  return (
    <section className="inspector" aria-labelledby="inspector-title" data-testid="inspector">
      <h2 id="inspector-title">
        {nodeLabel(node.type, t, catalogue[node.type]?.label)} <span className="mono muted">{node.id}</span>
      </h2>
      {defs.length === 0 && <p className="muted">{t('inspector.noParams')}</p>}
      {defs.map((def) => {
        const id = `param-${def.name}`;
        const label = t(`param.${def.name}` as MessageKey);
        const value = values[def.name] ?? '';
        const set = (v: string) => setValues((s) => ({ ...s, [def.name]: v }));
        return (
          <div className="field" key={def.name}>
            <label htmlFor={id}>{label}</label>
            {def.kind === 'ref' ? (
              <>
                <RefSelect
                  id={id}
                  kind={def.ref}
                  value={value}
                  components={components}
                  disabled={readOnly}
                  onChange={(v) => {
                    set(v);
                    commit(def, v);
                  }}
                />
                {newRef && !readOnly && creating !== def.name && canCreateRef(def.ref) && (
                  <button type="button" className="link-button" data-testid={`new-${def.name}`} onClick={() => setCreating(def.name)}>
                    {t('refs.new')}
                  </button>
                )}
                {newRef && creating === def.name &&
                  newRef(
                    def.ref,
                    (created) => {
                      setCreating(null);
                      set(created.toLowerCase());
                      commit(def, created);
                    },
                    () => setCreating(null),
                  )}
              </>
            ) : def.kind === 'choice' ? (
              <select
                id={id}
                value={value}
                disabled={readOnly}
                onChange={(e) => {
                  set(e.target.value);
                  commit(def, e.target.value);
                }}
              >
                {def.options.map((o) => (
                  <option key={o} value={o}>
                    {t(`choice.${def.name}.${o}` as MessageKey)}
                  </option>
                ))}
              </select>
            ) : (
              <>
                <input
                  id={id}
                  type={def.kind === 'number' ? 'number' : 'text'}
                  min={def.kind === 'number' ? def.min : undefined}
                  max={def.kind === 'number' ? def.max : undefined}
                  placeholder={'placeholder' in def ? def.placeholder : undefined}
                  list={def.kind === 'list' && def.suggest ? `${id}-options` : undefined}
                  value={value}
                  readOnly={readOnly}
                  onChange={(e) => set(e.target.value)}
                  onBlur={(e) => !readOnly && commit(def, e.target.value)}
                  onKeyDown={readOnly ? undefined : onKey(def)}
                />
                {def.kind === 'list' && def.suggest && (
                  <datalist id={`${id}-options`}>
                    {(components[def.suggest] ?? []).map((c) => (
                      <option key={c.id} value={String(c.number ?? '')} />
                    ))}
                  </datalist>
                )}
                {def.kind === 'list' && <div className="field__hint muted">{t('inspector.listHint')}</div>}
              </>
            )}
          </div>
        );
      })}
      {node.type === 'ivr' && (
        <p className="muted" data-testid="ivr-keys">
          {menu
            ? menuExitKeys(menu).length
              ? t('inspector.ivrKeys', { keys: menuExitKeys(menu).join(' ') })
              : t('inspector.ivrNoKeys')
            : t('inspector.ivrChoose')}
        </p>
      )}
      {findings.length > 0 && (
        <ul className="finding-list">
          {findings.map((f, i) => (
            <li key={i} className={`finding finding--${f.severity}`}>
              {f.port && <strong>{portLabel(f.port, t)}: </strong>}
              {f.message}
            </li>
          ))}
        </ul>
      )}
      {ports.length > 0 && (
        <fieldset className="exits" data-testid="exits">
          <legend>{t('inspector.exits')}</legend>
          {ports.map((port) => {
            const current = outgoing.find((e) => e.to && e.port === port)?.to ?? '';
            const options = targets(port);
            const id = `exit-${port}`;
            return (
              <div className="exit-row" key={port}>
                <label htmlFor={id}>{portLabel(port, t)}</label>
                <select id={id} value={current} disabled={readOnly} onChange={(e) => onRoute(port, e.target.value || null)}>
                  <option value="">{t('inspector.exitNone')}</option>
                  {current && !options.some((o) => o.id === current) && <option value={current}>{current}</option>}
                  {options.map((o) => (
                    <option key={o.id} value={o.id}>
                      {o.label}
                    </option>
                  ))}
                </select>
              </div>
            );
          })}
        </fieldset>
      )}
      {!readOnly && (
        <button type="button" className="danger" onClick={onDelete}>
          {t('inspector.deleteNode')}
        </button>
      )}
    </section>
  );
}

function RefSelect({
  id,
  kind,
  value,
  components,
  disabled,
  onChange,
}: {
  id: string;
  kind: ComponentKind;
  value: string;
  components: Components;
  disabled: boolean;
  onChange: (value: string) => void;
}) {
  const { t } = useI18n();
  const items = components[kind] ?? [];
  const known = !value || items.some((c) => c.id.toLowerCase() === value.toLowerCase());
  return (
    <select id={id} value={value.toLowerCase()} disabled={disabled} onChange={(e) => onChange(e.target.value)}>
      <option value="">{t('inspector.none')}</option>
      {!known && <option value={value.toLowerCase()}>{t('inspector.missing', { id: value })}</option>}
      {items.map((c) => (
        <option key={c.id} value={c.id.toLowerCase()}>
          {componentLabel(kind, c)}
        </option>
      ))}
    </select>
  );
}

export function EdgeInspector({ edge, readOnly, onDelete }: { edge: GraphEdge; readOnly: boolean; onDelete: () => void }) {
  const { t } = useI18n();
  return (
    <section className="inspector" data-testid="inspector">
      <h2>{t('inspector.edge')}</h2>
      <p>
        <span className="mono">{edge.from}</span> · {portLabel(edge.port, t)} → <span className="mono">{edge.to}</span>
      </p>
      {!readOnly && (
        <button type="button" className="danger" onClick={onDelete}>
          {t('inspector.deleteEdge')}
        </button>
      )}
    </section>
  );
}

export function SchemeInfo({ scheme, readOnly }: { scheme: Scheme; readOnly: boolean }) {
  const { t } = useI18n();
  return (
    <section className="inspector" data-testid="inspector">
      <h2>{scheme.name}</h2>
      {scheme.description && <p>{scheme.description}</p>}
      <dl className="facts">
        <dt>{t('scheme.published')}</dt>
        <dd>{scheme.published_revision ? t('scheme.revisionN', { n: scheme.published_revision }) : t('scheme.notPublished')}</dd>
        <dt>{t('scheme.entries')}</dt>
        <dd>{scheme.entries.length ? scheme.entries.join(', ') : '—'}</dd>
        <dt>{t('scheme.version')}</dt>
        <dd>{scheme.version}</dd>
      </dl>
      <p className="muted">{readOnly ? t('inspector.readOnlyHint') : t('inspector.hint')}</p>
      {!readOnly && (
        <ul className="muted shortcuts">
          <li>{t('inspector.keysUndo')}</li>
          <li>{t('inspector.keysDelete')}</li>
        </ul>
      )}
    </section>
  );
}
