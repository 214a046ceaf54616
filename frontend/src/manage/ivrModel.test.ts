import { describe, expect, it } from 'vitest';
import {
  addKey,
  cleanAction,
  cleanKeys,
  describeKeys,
  EXIT_ACTIONS,
  exitKeys,
  freeKeys,
  KEY_ORDER,
  keyChoices,
  keyProblems,
  removeKey,
  setAction,
  setKey,
  setKeyAction,
  setKeyTarget,
  sortKeys,
  targetKind,
  type KeyAction,
} from './ivrModel';

describe('IVR keys', () => {
  it('adds the next free key in keypad order, at most twelve', () => {
    let keys: KeyAction[] = [];
    keys = addKey(keys);
    keys = addKey(keys);
    expect(keys).toEqual([
      { key: '1', action: 'exit', target: null },
      { key: '2', action: 'exit', target: null },
    ]);
    keys = setKey(keys, 0, '0');
    expect(freeKeys(keys)[0]).toBe('1');
    expect(addKey(keys)[2].key).toBe('1');
    let all: KeyAction[] = [];
    for (let i = 0; i < 15; i++) all = addKey(all);
    expect(all.map((k) => k.key)).toEqual([...KEY_ORDER]);
    expect(freeKeys(all)).toEqual([]);
    expect(removeKey(all, 0)[0].key).toBe('2');
  });

  it('offers each row its own key and the free ones', () => {
    const keys: KeyAction[] = [
      { key: '1', action: 'exit' },
      { key: '2', action: 'exit' },
    ];
    expect(keyChoices(keys, 0)).toEqual(['1', '3', '4', '5', '6', '7', '8', '9', '0', '*', '#']);
  });

  it('knows what target each action takes', () => {
    expect(targetKind('extension')).toBe('internal');
    expect(targetKind('external')).toBe('external');
    expect(targetKind('ivr_menu')).toBe('ivr_menu');
    expect(targetKind('voicemail')).toBe('voicemail');
    expect(targetKind('repeat')).toBe('none');
    expect(targetKind('exit')).toBe('none');
    expect(EXIT_ACTIONS).not.toContain('repeat');
    expect(EXIT_ACTIONS).not.toContain('voice_message');
    expect(EXIT_ACTIONS).toContain('hangup');
  });

  it('keeps a target only while the action takes the same kind of target', () => {
    const row = { key: '2', action: 'extension', target: '201' };
    expect(setAction(row, 'external')).toEqual({ key: '2', action: 'external', target: null });
    expect(setAction(row, 'extension')).toEqual(row);
    expect(setAction({ key: '3', action: 'ivr_menu', target: 'm1' }, 'hangup')).toEqual({ key: '3', action: 'hangup', target: null });
    const keys = setKeyAction([row], 0, 'voicemail');
    expect(keys).toEqual([{ key: '2', action: 'voicemail', target: null }]);
    expect(setKeyTarget(keys, 0, 'b1')).toEqual([{ key: '2', action: 'voicemail', target: 'b1' }]);
    expect(setKeyTarget(keys, 0, '  ')).toEqual([{ key: '2', action: 'voicemail', target: null }]);
  });

  it('cleans rows for the API: no target where none is taken, trimmed otherwise', () => {
    expect(cleanAction({ action: 'hangup', target: 'x' })).toEqual({ action: 'hangup', target: null });
    expect(cleanKeys([{ key: '1', action: 'extension', target: ' 201 ' }, { key: '2', action: 'external', target: '' }])).toEqual([
      { key: '1', action: 'extension', target: '201' },
      { key: '2', action: 'external', target: null },
    ]);
  });

  it('finds duplicates and missing targets before sending', () => {
    const keys: KeyAction[] = [
      { key: '1', action: 'extension', target: '' },
      { key: '2', action: 'exit' },
      { key: '1', action: 'hangup' },
    ];
    expect(keyProblems(keys)).toEqual({ 0: ['target'], 2: ['duplicate'] });
  });

  it('sorts in keypad order, lists the exit keys (the canvas node’s ports) and describes the menu', () => {
    const keys: KeyAction[] = [
      { key: '#', action: 'exit' },
      { key: '0', action: 'extension', target: '200' },
      { key: '1', action: 'exit' },
      { key: '*', action: 'ivr_menu', target: 'm2' },
    ];
    expect(sortKeys(keys).map((k) => k.key)).toEqual(['1', '0', '*', '#']);
    expect(exitKeys(keys)).toEqual(['1', '#']);
    expect(describeKeys(keys, (action, target) => (action === 'ivr_menu' ? 'Sales menu' : target || action))).toBe(
      '1 → exit, 0 → 200, * → Sales menu, # → exit',
    );
  });
});
