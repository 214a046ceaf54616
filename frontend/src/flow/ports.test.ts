import { describe, expect, it } from 'vitest';
import { catalogueByType, drawnPorts, hasInput, isKeyPort, keyPort, menuExitKeys, outputPorts, waitsForCaller } from './ports';
import type { CatalogueEntry, IvrMenu } from './types';

const MENU_ID = '0b7d1c55-4bde-4b0e-9b1e-5d6a8f0e2a71';
const menu: IvrMenu = {
  id: MENU_ID,
  name: 'Main menu',
  keys: [
    { key: '#', action: 'exit' },
    { key: '2', action: 'exit' },
    { key: '0', action: 'extension', target: '200' },
    { key: '1', action: 'exit' },
    { key: '9', action: 'repeat' },
    { key: '*', action: 'exit' },
  ],
};

describe('outputPorts', () => {
  it('gives each node type the ports of the catalogue', () => {
    expect(outputPorts({ type: 'entry' })).toEqual(['next']);
    expect(outputPorts({ type: 'caller_filter' })).toEqual(['match', 'no_match']);
    expect(outputPorts({ type: 'time_condition' })).toEqual(['open', 'closed']);
    expect(outputPorts({ type: 'dial' })).toEqual(['answered', 'no_answer', 'busy', 'unavailable']);
    expect(outputPorts({ type: 'forward' })).toEqual(['answered', 'no_answer', 'busy', 'unavailable']);
    expect(outputPorts({ type: 'group' })).toEqual(['answered', 'overflow']);
    expect(outputPorts({ type: 'direct_dial' })).toEqual(['timeout']);
  });

  it('gives an IVR one port per key whose menu action is "exit", in keypad order, then invalid and timeout', () => {
    const ports = outputPorts({ type: 'ivr', params: { menu_id: MENU_ID } }, { menus: { [MENU_ID]: menu } });
    expect(ports).toEqual(['key:1', 'key:2', 'key:*', 'key:#', 'invalid', 'timeout']);
  });

  it('finds the menu whatever the case of its id', () => {
    const ports = outputPorts({ type: 'ivr', params: { menu_id: MENU_ID.toUpperCase() } }, { menus: { [MENU_ID]: menu } });
    expect(ports).toContain('key:1');
  });

  it('gives an IVR without a (known) menu only its fallback ports', () => {
    expect(outputPorts({ type: 'ivr', params: {} })).toEqual(['invalid', 'timeout']);
    expect(outputPorts({ type: 'ivr', params: { menu_id: 'nope' } }, { menus: { [MENU_ID]: menu } })).toEqual([
      'invalid',
      'timeout',
    ]);
  });

  it('gives terminal and unknown nodes no ports', () => {
    expect(outputPorts({ type: 'hangup' })).toEqual([]);
    expect(outputPorts({ type: 'voicemail' })).toEqual([]);
    expect(outputPorts({ type: 'teleport' })).toEqual([]);
  });

  it('prefers the loaded catalogue over the built-in table', () => {
    const catalogue = catalogueByType([
      { type: 'dial', label: 'Dial', ports: ['answered', 'failed'], dynamic_ports: false, waits_for_caller: false },
    ] satisfies CatalogueEntry[]);
    expect(outputPorts({ type: 'dial' }, { catalogue })).toEqual(['answered', 'failed']);
    expect(outputPorts({ type: 'entry' }, { catalogue })).toEqual(['next']);
  });

  it('returns a fresh array each time (callers may change it)', () => {
    const first = outputPorts({ type: 'dial' });
    first.push('x');
    expect(outputPorts({ type: 'dial' })).toHaveLength(4);
  });
});

describe('menuExitKeys / key ports', () => {
  it('keeps exit keys once, in keypad order', () => {
    expect(menuExitKeys({ id: 'm', name: 'm', keys: [{ key: '3', action: 'exit' }, { key: '3', action: 'exit' }] })).toEqual([
      '3',
    ]);
    expect(menuExitKeys(undefined)).toEqual([]);
    expect(menuExitKeys({ id: 'm', name: 'm' })).toEqual([]);
  });

  it('names key ports as the backend does', () => {
    expect(keyPort('*')).toBe('key:*');
    expect(isKeyPort('key:#')).toBe(true);
    expect(isKeyPort('key:12')).toBe(false);
    expect(isKeyPort('timeout')).toBe(false);
  });
});

describe('drawnPorts', () => {
  it('adds a port that still has an edge but no longer exists, marked stale', () => {
    const node = { id: 'ivr1', type: 'ivr', params: { menu_id: MENU_ID } };
    const edges = [
      { from: 'ivr1', port: 'key:5', to: 'h1' },
      { from: 'ivr1', port: 'key:1', to: 'h2' },
      { from: 'other', port: 'key:7', to: 'h2' },
    ];
    const { ports, stale } = drawnPorts(node, edges, { menus: { [MENU_ID]: menu } });
    expect(ports).toEqual(['key:1', 'key:2', 'key:*', 'key:#', 'invalid', 'timeout', 'key:5']);
    expect([...stale]).toEqual(['key:5']);
  });
});

describe('hasInput / waitsForCaller', () => {
  it('gives every node but an entry an input', () => {
    expect(hasInput('entry')).toBe(false);
    expect(hasInput('dial')).toBe(true);
    expect(hasInput('hangup')).toBe(true);
  });

  it('knows which nodes wait for the caller', () => {
    expect(waitsForCaller('ivr')).toBe(true);
    expect(waitsForCaller('direct_dial')).toBe(true);
    expect(waitsForCaller('dial')).toBe(false);
  });
});
