// Words for the canvas: node type and port names in the UI language, the names of
// referenced components, and a node's key params in a line or two.
import type { MessageKey, Translate } from '../i18n';
import { isKeyPort } from './ports';
import type { ComponentItem, ComponentKind, Components } from './schemeApi';
import type { GraphNode } from './types';

const KNOWN_TYPES = new Set([
  'entry',
  'caller_filter',
  'time_condition',
  'play_message',
  'ivr',
  'dial',
  'group',
  'forward',
  'direct_dial',
  'voicemail',
  'fax',
  'set_name',
  'hangup',
]);

const KNOWN_PORTS = new Set([
  'next',
  'match',
  'no_match',
  'open',
  'closed',
  'answered',
  'no_answer',
  'busy',
  'unavailable',
  'overflow',
  'invalid',
  'timeout',
]);

export function nodeLabel(type: string, t: Translate, fallback?: string): string {
  return KNOWN_TYPES.has(type) ? t(`node.${type}` as MessageKey) : (fallback ?? type);
}

export function portLabel(port: string, t: Translate): string {
  if (isKeyPort(port)) return t('port.key', { key: port.slice(4) });
  return KNOWN_PORTS.has(port) ? t(`port.${port}` as MessageKey) : port;
}

/** Which component collection a node param refers to. */
export const PARAM_REFS: Record<string, Record<string, ComponentKind>> = {
  caller_filter: { classifier_id: 'classifiers' },
  time_condition: { schedule_id: 'schedules' },
  play_message: { voice_message_id: 'voice-messages' },
  ivr: { menu_id: 'ivr-menus' },
  dial: { extension_id: 'extensions' },
  group: { group_id: 'groups' },
  direct_dial: { voice_message_id: 'voice-messages' },
  voicemail: { box_id: 'voicemail-boxes' },
};

export function componentLabel(kind: ComponentKind, item: ComponentItem): string {
  const name = typeof item.name === 'string' ? item.name : '';
  if (kind === 'extensions' || kind === 'groups') return [item.number, name].filter(Boolean).join(' ');
  if (kind === 'voicemail-boxes') return [item.mailbox, name].filter(Boolean).join(' ');
  if (kind === 'numbers') return String(item.number ?? item.id);
  return name || item.id;
}

export function findComponent(components: Components, kind: ComponentKind, id: unknown): ComponentItem | undefined {
  if (typeof id !== 'string' || !id) return undefined;
  const want = id.toLowerCase();
  return components[kind]?.find((c) => c.id.toLowerCase() === want);
}

/** One or two short lines with the node's key params. */
export function summarize(node: GraphNode, components: Components, t: Translate): string[] {
  const p = node.params ?? {};
  const ref = (param: string): string | null => {
    const kind = PARAM_REFS[node.type]?.[param];
    const id = p[param];
    if (!kind || typeof id !== 'string' || !id) return null;
    const item = findComponent(components, kind, id);
    // Components not loaded yet (or not readable): show nothing rather than "missing".
    if (!item) return components[kind] ? t('summary.missing') : null;
    return componentLabel(kind, item);
  };
  const list = (value: unknown): string[] => (Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []);
  const lines: (string | null)[] = [];
  switch (node.type) {
    case 'entry': {
      const numbers = list(p.numbers);
      lines.push(numbers.length ? numbers.join(', ') : t('summary.noNumbers'));
      break;
    }
    case 'caller_filter': {
      lines.push(ref('classifier_id'));
      const prefixes = list(p.prefixes);
      if (prefixes.length) lines.push(t('summary.prefixes', { prefixes: prefixes.join(', ') }));
      break;
    }
    case 'time_condition':
      lines.push(ref('schedule_id') ?? t('summary.choose'));
      break;
    case 'play_message':
      lines.push(ref('voice_message_id') ?? t('summary.choose'));
      break;
    case 'ivr':
      lines.push(ref('menu_id') ?? t('summary.choose'));
      break;
    case 'dial':
      lines.push(ref('extension_id') ?? t('summary.choose'));
      if (typeof p.ring_time === 'number') lines.push(t('summary.ringTime', { seconds: p.ring_time }));
      break;
    case 'group':
      lines.push(ref('group_id') ?? t('summary.choose'));
      break;
    case 'forward':
      lines.push(typeof p.number === 'string' && p.number ? p.number : t('summary.choose'));
      if (typeof p.ring_time === 'number') lines.push(t('summary.ringTime', { seconds: p.ring_time }));
      break;
    case 'direct_dial':
      if (typeof p.max_digits === 'number') lines.push(t('summary.digits', { digits: p.max_digits, wait: String(p.wait ?? '') }));
      break;
    case 'voicemail':
      lines.push(ref('box_id') ?? t('summary.choose'));
      break;
    case 'set_name':
      if (typeof p.text === 'string') lines.push(`${p.mode === 'replace' ? '=' : '+'} ${p.text}`);
      break;
    case 'hangup':
      if (typeof p.cause === 'string') lines.push(t(`cause.${p.cause}` as MessageKey));
      break;
  }
  return lines.filter((l): l is string => !!l);
}
