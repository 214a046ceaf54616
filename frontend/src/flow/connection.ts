// Whether an edge may be drawn from a node's output port to another node: the rules of
// the scheme model (one edge per output port, no edge into an entry, ports of the node's
// type), checked while the user drags so that an invalid target never lights up.
import { hasInput, outputPorts, waitsForCaller, type PortContext } from './ports';
import type { Graph } from './types';

export type ConnectionRefusal =
  | 'no_source'
  | 'no_target'
  | 'no_port'
  | 'port_taken'
  | 'into_entry'
  | 'self_loop'
  | 'wrong_handle';

export type ConnectionCheck = { ok: true } | { ok: false; reason: ConnectionRefusal };

export interface ConnectionAttempt {
  source: string | null;
  sourceHandle?: string | null;
  target: string | null;
  targetHandle?: string | null;
}

export function checkConnection(graph: Graph, conn: ConnectionAttempt, ctx: PortContext = {}): ConnectionCheck {
  const source = graph.nodes.find((n) => n.id === conn.source);
  if (!source) return { ok: false, reason: 'no_source' };
  const target = graph.nodes.find((n) => n.id === conn.target);
  if (!target) return { ok: false, reason: 'no_target' };
  const port = conn.sourceHandle ?? '';
  if (!outputPorts(source, ctx).includes(port)) return { ok: false, reason: 'no_port' };
  if (conn.targetHandle != null && conn.targetHandle !== 'in') return { ok: false, reason: 'wrong_handle' };
  if (!hasInput(target.type)) return { ok: false, reason: 'into_entry' };
  if (graph.edges.some((e) => e.from === source.id && e.port === port)) return { ok: false, reason: 'port_taken' };
  // A node straight back into itself loops without waiting, unless it waits for the caller (an IVR's "repeat").
  if (source.id === target.id && !waitsForCaller(source.type, ctx)) return { ok: false, reason: 'self_loop' };
  return { ok: true };
}
