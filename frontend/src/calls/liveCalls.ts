// The live view of a tenant's calls: a pure reducer over the events of
// GET /api/tenants/{id}/events (snapshot, call, call_end, presence).
import type { ActiveCall, PresenceExtension } from './types';

export interface LiveState {
  /** Active calls by id, in the order they were first seen. */
  calls: Record<string, ActiveCall>;
  order: string[];
  presence: PresenceExtension[];
  /** The feed position of the last event applied (the stream's `id`). */
  position: number | null;
  /** Whether a snapshot has been applied yet. */
  ready: boolean;
}

export const EMPTY_LIVE: LiveState = { calls: {}, order: [], presence: [], position: null, ready: false };

export type LiveEvent =
  | { kind: 'snapshot'; id: number | null; data: { active: ActiveCall[]; presence: PresenceExtension[] } }
  | { kind: 'call'; id: number | null; data: ActiveCall }
  | { kind: 'call_end'; id: number | null; data: { id: string; result?: string; ended_at?: string | null } }
  | { kind: 'presence'; id: number | null; data: { device: string; state: string; since?: string | null } };

/** Best state of an extension over its devices (the API's ranking). */
const RANK: Record<string, number> = { talking: 5, hold: 4, ringing: 3, free: 2, offline: 1, unknown: 0 };
export function bestState(states: string[]): string {
  return states.reduce((best, s) => ((RANK[s] ?? 0) > (RANK[best] ?? 0) ? s : best), 'unknown');
}

export function liveReducer(state: LiveState, event: LiveEvent): LiveState {
  // An event the state already has (a replay after a reconnect) changes nothing.
  if (event.kind !== 'snapshot' && event.id !== null && state.position !== null && event.id <= state.position) return state;
  const position = event.id ?? state.position;
  switch (event.kind) {
    case 'snapshot': {
      const calls: Record<string, ActiveCall> = {};
      for (const c of event.data.active ?? []) calls[c.id] = c;
      return { calls, order: Object.keys(calls), presence: event.data.presence ?? [], position, ready: true };
    }
    case 'call': {
      const c = event.data;
      const known = c.id in state.calls;
      return {
        ...state,
        calls: { ...state.calls, [c.id]: c },
        order: known ? state.order : [...state.order, c.id],
        position,
      };
    }
    case 'call_end': {
      if (!(event.data.id in state.calls)) return { ...state, position };
      const calls = { ...state.calls };
      delete calls[event.data.id];
      return { ...state, calls, order: state.order.filter((id) => id !== event.data.id), position };
    }
    case 'presence': {
      const { device, state: devState, since } = event.data;
      let changed = false;
      const presence = state.presence.map((ext) => {
        if (!ext.devices.some((d) => d.device === device)) return ext;
        changed = true;
        const devices = ext.devices.map((d) => (d.device === device ? { ...d, state: devState, since: since ?? d.since } : d));
        return { ...ext, devices, state: bestState(devices.map((d) => d.state)) };
      });
      return changed ? { ...state, presence, position } : { ...state, position };
    }
  }
}

/** The active calls in the order first seen. */
export function activeList(state: LiveState): ActiveCall[] {
  return state.order.map((id) => state.calls[id]).filter((c): c is ActiveCall => c !== undefined);
}

/** The first 12 hex digits of a scheme id: the key the dialplan markers carry. */
export function schemeKey(schemeId: string): string {
  return schemeId.replace(/-/g, '').slice(0, 12).toLowerCase();
}

/** How many active calls are on each node of one scheme (by the calls' current scheme node). */
export function callsOnNodes(calls: ActiveCall[], schemeId: string): Record<string, number> {
  const key = schemeKey(schemeId);
  const out: Record<string, number> = {};
  for (const c of calls) {
    if (c.scheme && c.scheme_node && c.scheme.toLowerCase() === key) out[c.scheme_node] = (out[c.scheme_node] ?? 0) + 1;
  }
  return out;
}
