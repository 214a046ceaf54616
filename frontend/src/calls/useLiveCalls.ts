// The tenant's live calls and presence: the event stream through liveReducer.
import { useEffect, useReducer, useState } from 'react';
import type { ApiClient } from '../api';
import { EMPTY_LIVE, liveReducer, type LiveEvent, type LiveState } from './liveCalls';
import { openStream, type ConnectionState, type SseMessage } from './sse';

const KINDS = new Set(['snapshot', 'call', 'call_end', 'presence']);

/** A stream message as a reducer event (null: not one of ours, or not JSON). */
export function toLiveEvent(message: SseMessage): LiveEvent | null {
  if (!KINDS.has(message.event)) return null;
  try {
    const id = message.id !== null && /^\d+$/.test(message.id) ? Number(message.id) : null;
    return { kind: message.event, id, data: JSON.parse(message.data) } as LiveEvent;
  } catch {
    return null;
  }
}

function reduce(state: LiveState, event: LiveEvent | 'reset'): LiveState {
  return event === 'reset' ? EMPTY_LIVE : liveReducer(state, event);
}

export function useLiveCalls(client: ApiClient, tenantId: string | null): { live: LiveState; connection: ConnectionState; retryIn: number | null } {
  const [live, dispatch] = useReducer(reduce, EMPTY_LIVE);
  const [connection, setConnection] = useState<ConnectionState>('connecting');
  const [retryIn, setRetryIn] = useState<number | null>(null);
  useEffect(() => {
    dispatch('reset');
    if (!tenantId) return;
    return openStream({
      url: `/api/tenants/${encodeURIComponent(tenantId)}/events`,
      token: () => client.token(),
      onMessage: (m) => {
        const event = toLiveEvent(m);
        if (event) dispatch(event);
      },
      onState: (s, ms) => {
        setConnection(s);
        setRetryIn(ms ?? null);
      },
    });
  }, [client, tenantId]);
  return { live, connection, retryIn };
}
