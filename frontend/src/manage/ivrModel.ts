// IVR menus (F-CMP-7): the keys table and the two exits. Keys are a list (the API names
// errors keys[i].…), each of 1–9, 0, *, # at most once.

export const KEY_ORDER = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '0', '*', '#'] as const;
export type Key = (typeof KEY_ORDER)[number];

export const ACTIONS = [
  'exit',
  'extension',
  'ivr_menu',
  'voice_message',
  'voicemail',
  'external',
  'dial_direct',
  'repeat',
  'back',
  'hangup',
] as const;
export type Action = (typeof ACTIONS)[number];

/** `repeat` and `voice_message` are keys only: the menu already repeats until max_errors. */
export const EXIT_ACTIONS: readonly Action[] = ACTIONS.filter((a) => a !== 'repeat' && a !== 'voice_message');

export interface KeyAction {
  key: string;
  action: string;
  target?: string | null;
}

export interface ExitAction {
  action: string;
  target?: string | null;
}

/** What a target of the action is: typed (an internal or external number) or chosen (an object). */
export type TargetKind = 'none' | 'internal' | 'external' | 'ivr_menu' | 'voice_message' | 'voicemail';

export function targetKind(action: string): TargetKind {
  switch (action) {
    case 'extension':
      return 'internal';
    case 'external':
      return 'external';
    case 'ivr_menu':
    case 'voice_message':
    case 'voicemail':
      return action;
    default:
      return 'none';
  }
}

export function isKey(value: unknown): value is Key {
  return typeof value === 'string' && (KEY_ORDER as readonly string[]).includes(value);
}

/** Keys not yet used, in keypad order. */
export function freeKeys(keys: readonly KeyAction[]): Key[] {
  const used = new Set(keys.map((k) => k.key));
  return KEY_ORDER.filter((k) => !used.has(k));
}

/** The keys a row may switch to: its own and the free ones, in keypad order. */
export function keyChoices(keys: readonly KeyAction[], index: number): Key[] {
  const used = new Set(keys.filter((_, i) => i !== index).map((k) => k.key));
  return KEY_ORDER.filter((k) => !used.has(k));
}

/** Add the next free key (action "exit"); unchanged when all twelve are used. */
export function addKey(keys: readonly KeyAction[]): KeyAction[] {
  const [next] = freeKeys(keys);
  return next ? [...keys, { key: next, action: 'exit', target: null }] : [...keys];
}

export function removeKey(keys: readonly KeyAction[], index: number): KeyAction[] {
  return keys.filter((_, i) => i !== index);
}

export function setKey(keys: readonly KeyAction[], index: number, key: string): KeyAction[] {
  return keys.map((k, i) => (i === index ? { ...k, key } : k));
}

/** Change a row's action; the target is kept only while it means the same kind of thing. */
export function setAction<T extends ExitAction>(row: T, action: string): T {
  const keep = targetKind(action) === targetKind(row.action) && targetKind(action) !== 'none';
  return { ...row, action, target: keep ? (row.target ?? null) : null };
}

export function setKeyAction(keys: readonly KeyAction[], index: number, action: string): KeyAction[] {
  return keys.map((k, i) => (i === index ? setAction(k, action) : k));
}

export function setKeyTarget(keys: readonly KeyAction[], index: number, target: string): KeyAction[] {
  return keys.map((k, i) => (i === index ? { ...k, target: target.trim() === '' ? null : target } : k));
}

/** Rows in keypad order (1…9, 0, *, #); unknown keys last. */
export function sortKeys(keys: readonly KeyAction[]): KeyAction[] {
  const rank = (k: string) => (isKey(k) ? KEY_ORDER.indexOf(k) : KEY_ORDER.length);
  return [...keys].sort((a, b) => rank(a.key) - rank(b.key));
}

/** What the API takes: no target for actions without one, an empty target as null. */
export function cleanAction<T extends ExitAction>(row: T): T {
  const target = typeof row.target === 'string' ? row.target.trim() : null;
  return { ...row, target: targetKind(row.action) === 'none' ? null : target || null };
}

export function cleanKeys(keys: readonly KeyAction[]): KeyAction[] {
  return keys.map(cleanAction);
}

/** Mistakes visible before sending, by row: a key used twice, a missing target. */
export function keyProblems(keys: readonly KeyAction[]): Record<number, ('duplicate' | 'target')[]> {
  const out: Record<number, ('duplicate' | 'target')[]> = {};
  const seen = new Map<string, number>();
  keys.forEach((k, i) => {
    const problems: ('duplicate' | 'target')[] = [];
    if (seen.has(k.key)) problems.push('duplicate');
    else seen.set(k.key, i);
    if (targetKind(k.action) !== 'none' && !(k.target ?? '').trim()) problems.push('target');
    if (problems.length) out[i] = problems;
  });
  return out;
}

/** The keys that leave the menu through the scheme's IVR node ("exit"): its output ports. */
export function exitKeys(keys: readonly KeyAction[]): string[] {
  return sortKeys(keys)
    .filter((k) => k.action === 'exit')
    .map((k) => k.key);
}

/** "1 → exit, 2 → 201, 0 → Sales menu" for lists; `label` names an object target. */
export function describeKeys(keys: readonly KeyAction[], label: (action: string, target: string) => string): string {
  return sortKeys(keys)
    .map((k) => (k.target ? `${k.key} → ${label(k.action, k.target)}` : `${k.key} → ${label(k.action, '')}`))
    .join(', ');
}
