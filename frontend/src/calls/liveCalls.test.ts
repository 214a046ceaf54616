import { describe, expect, it } from 'vitest';
import { activeList, bestState, callsOnNodes, EMPTY_LIVE, liveReducer, schemeKey, type LiveEvent, type LiveState } from './liveCalls';
import type { ActiveCall, PresenceExtension } from './types';

function call(id: string, patch: Partial<ActiveCall> = {}): ActiveCall {
  return {
    id, node: 'pbx1:5038', direction: 'internal', state: 'ringing', caller: '201', caller_name: null, called: '202', did: null,
    started_at: '2026-01-01T10:00:00+00:00', answered_at: null, answered_by: null, scheme: null, scheme_node: null, queue: null,
    channels: [], ...patch,
  };
}

const presence: PresenceExtension[] = [
  { extension_id: 'e1', number: '201', name: 'A', state: 'free', devices: [{ id: 'd1', type: 'sip', device: 'acme-201-x', state: 'free', since: null }] },
  {
    extension_id: 'e2', number: '202', name: 'B', state: 'free',
    devices: [
      { id: 'd2', type: 'sip', device: 'acme-202-x', state: 'free', since: null },
      { id: 'd3', type: 'sip', device: 'acme-202-y', state: 'offline', since: null },
    ],
  },
];

function run(events: LiveEvent[], from: LiveState = EMPTY_LIVE): LiveState {
  return events.reduce(liveReducer, from);
}

describe('liveReducer', () => {
  const snapshot: LiveEvent = { kind: 'snapshot', id: 10, data: { active: [call('a')], presence } };

  it('starts from the snapshot, adds and updates calls in first-seen order, removes ended ones', () => {
    const s = run([
      snapshot,
      { kind: 'call', id: 11, data: call('b') },
      { kind: 'call', id: 12, data: call('a', { state: 'talking', answered_by: '202' }) },
    ]);
    expect(s.ready).toBe(true);
    expect(activeList(s).map((c) => [c.id, c.state])).toEqual([['a', 'talking'], ['b', 'ringing']]);
    const ended = liveReducer(s, { kind: 'call_end', id: 13, data: { id: 'a', result: 'answered' } });
    expect(activeList(ended).map((c) => c.id)).toEqual(['b']);
    expect(ended.position).toBe(13);
  });

  it('ignores an event it already applied (a replay after reconnecting)', () => {
    const s = run([snapshot, { kind: 'call_end', id: 11, data: { id: 'a' } }]);
    const replay = liveReducer(s, { kind: 'call', id: 11, data: call('a') });
    expect(replay).toBe(s);
    expect(activeList(replay)).toEqual([]);
  });

  it('a new snapshot replaces everything (calls that ended while disconnected disappear)', () => {
    const s = run([snapshot, { kind: 'call', id: 11, data: call('b') }]);
    const again = liveReducer(s, { kind: 'snapshot', id: 20, data: { active: [call('c')], presence } });
    expect(activeList(again).map((c) => c.id)).toEqual(['c']);
  });

  it('an end of a call it never saw only moves the position', () => {
    const s = run([snapshot, { kind: 'call_end', id: 15, data: { id: 'zzz' } }]);
    expect(activeList(s).map((c) => c.id)).toEqual(['a']);
    expect(s.position).toBe(15);
  });

  it('presence updates the device and the extension takes its best device state', () => {
    const s = run([snapshot, { kind: 'presence', id: 11, data: { device: 'acme-202-y', state: 'ringing', since: 'T' } }]);
    const ext = s.presence.find((p) => p.number === '202')!;
    expect(ext.devices.map((d) => d.state)).toEqual(['free', 'ringing']);
    expect(ext.state).toBe('ringing');
    expect(s.presence.find((p) => p.number === '201')).toBe(presence[0]); // untouched
    const back = liveReducer(s, { kind: 'presence', id: 12, data: { device: 'acme-202-y', state: 'free' } });
    expect(back.presence.find((p) => p.number === '202')!.state).toBe('free');
  });
});

describe('calls on scheme nodes', () => {
  it('counts the active calls of one scheme per node', () => {
    const sid = '0a1b2c3d-4e5f-6789-abcd-ef0123456789';
    expect(schemeKey(sid)).toBe('0a1b2c3d4e5f');
    const calls = [
      call('1', { scheme: '0a1b2c3d4e5f', scheme_node: 'n2' }),
      call('2', { scheme: '0a1b2c3d4e5f', scheme_node: 'n2' }),
      call('3', { scheme: '0a1b2c3d4e5f', scheme_node: 'n1' }),
      call('4', { scheme: 'ffffffffffff', scheme_node: 'n1' }),
      call('5', { scheme: '0a1b2c3d4e5f', scheme_node: null }),
    ];
    expect(callsOnNodes(calls, sid)).toEqual({ n2: 2, n1: 1 });
  });

  it('ranks states like the API', () => {
    expect(bestState(['free', 'talking', 'offline'])).toBe('talking');
    expect(bestState([])).toBe('unknown');
  });
});
