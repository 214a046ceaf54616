import { describe, expect, it } from 'vitest';
import { checkConnection } from './connection';
import type { Graph, IvrMenu } from './types';

const MENU = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee';
const menus: Record<string, IvrMenu> = { [MENU]: { id: MENU, name: 'm', keys: [{ key: '1', action: 'exit' }] } };

const graph: Graph = {
  nodes: [
    { id: 'entry1', type: 'entry', params: {}, position: { x: 0, y: 0 } },
    { id: 'entry2', type: 'entry', params: {}, position: { x: 0, y: 0 } },
    { id: 'dial1', type: 'dial', params: {}, position: { x: 0, y: 0 } },
    { id: 'ivr1', type: 'ivr', params: { menu_id: MENU }, position: { x: 0, y: 0 } },
    { id: 'hangup1', type: 'hangup', params: {}, position: { x: 0, y: 0 } },
  ],
  edges: [{ from: 'entry1', port: 'next', to: 'dial1' }],
};

const check = (source: string, sourceHandle: string, target: string, targetHandle: string | null = 'in') =>
  checkConnection(graph, { source, sourceHandle, target, targetHandle }, { menus });

describe('checkConnection', () => {
  it('accepts a free port to a node with an input', () => {
    expect(check('dial1', 'busy', 'hangup1')).toEqual({ ok: true });
    expect(check('entry2', 'next', 'ivr1')).toEqual({ ok: true });
    expect(check('ivr1', 'key:1', 'dial1')).toEqual({ ok: true });
    expect(check('dial1', 'busy', 'hangup1', null)).toEqual({ ok: true });
  });

  it('allows one edge per output port', () => {
    expect(check('entry1', 'next', 'hangup1')).toEqual({ ok: false, reason: 'port_taken' });
  });

  it('refuses an edge into an entry node', () => {
    expect(check('dial1', 'busy', 'entry2')).toEqual({ ok: false, reason: 'into_entry' });
  });

  it('refuses ports the node does not have (IVR keys from its menu)', () => {
    expect(check('ivr1', 'key:2', 'dial1')).toEqual({ ok: false, reason: 'no_port' });
    expect(check('hangup1', 'next', 'dial1')).toEqual({ ok: false, reason: 'no_port' });
    expect(checkConnection(graph, { source: 'dial1', sourceHandle: null, target: 'hangup1' })).toEqual({
      ok: false,
      reason: 'no_port',
    });
  });

  it('refuses unknown nodes and a target handle that is not the input', () => {
    expect(check('nope', 'next', 'dial1')).toEqual({ ok: false, reason: 'no_source' });
    expect(check('dial1', 'busy', 'nope')).toEqual({ ok: false, reason: 'no_target' });
    expect(check('dial1', 'busy', 'hangup1', 'busy')).toEqual({ ok: false, reason: 'wrong_handle' });
  });

  it('refuses a node straight into itself unless it waits for the caller', () => {
    expect(check('dial1', 'busy', 'dial1')).toEqual({ ok: false, reason: 'self_loop' });
    expect(check('ivr1', 'timeout', 'ivr1')).toEqual({ ok: true });
  });
});
