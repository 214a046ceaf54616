// "Test a call": the scenario form read into a simulation request, and the simulated
// path read into what the canvas highlights (visited nodes with their step numbers,
// and the edges the call took).
import { edgeId } from './graph';
import type { Graph, SimulationRequest, SimulationResult } from './types';

export interface KeyPress {
  key: string;
  at: number;
}

/**
 * Keys the caller presses, written as `key@seconds` separated by spaces or commas:
 * "1@2, 3@10.5" presses 1 two seconds after the answer and 3 at 10.5 s. A bare key
 * follows the previous one by a second.
 */
export function parseKeyScript(text: string): { keys: KeyPress[]; errors: string[] } {
  const keys: KeyPress[] = [];
  const errors: string[] = [];
  let last = 0;
  for (const token of text.split(/[\s,;]+/).filter(Boolean)) {
    const m = /^([0-9*#])(?:@(\d+(?:\.\d+)?))?$/.exec(token);
    if (!m) {
      errors.push(token);
      continue;
    }
    const at = m[2] !== undefined ? Number(m[2]) : keys.length ? last + 1 : 1;
    if (at > 3600) {
      errors.push(token);
      continue;
    }
    keys.push({ key: m[1], at });
    last = at;
  }
  return { keys, errors };
}

export type Behaviour = 'answer' | 'busy' | 'no_answer' | 'unavailable';

export interface CalleeRow {
  target: string;
  behaviour: Behaviour;
  after: number;
}

export interface ScenarioForm {
  number: string;
  caller: string;
  /** A datetime-local value ("2026-11-25T10:00"), empty for now. */
  at: string;
  keys: string;
  callees: CalleeRow[];
  revision: 'draft' | 'published';
}

export function simulationRequest(form: ScenarioForm): { request: SimulationRequest; errors: string[] } {
  const { keys, errors } = parseKeyScript(form.keys);
  const request: SimulationRequest = { number: form.number.trim(), revision: form.revision };
  if (form.caller.trim()) request.caller = form.caller.trim();
  if (form.at) {
    const when = new Date(form.at);
    if (Number.isNaN(when.getTime())) errors.push(form.at);
    else request.at = when.toISOString();
  }
  if (keys.length) request.keys = keys;
  const callees: NonNullable<SimulationRequest['callees']> = {};
  for (const row of form.callees) {
    const target = row.target.trim();
    if (!target) continue;
    callees[target] = { behaviour: row.behaviour, after: Math.max(0, Number(row.after) || 0) };
  }
  if (Object.keys(callees).length) request.callees = callees;
  return { request, errors };
}

export interface PathHighlight {
  /** Step numbers (1-based) at which each node was visited. */
  steps: Record<string, number[]>;
  /** Ids (edgeId) of the edges the call went along. */
  edges: Set<string>;
  /** The node the call ended at. */
  last: string | null;
}

export function pathHighlight(result: SimulationResult | null, graph?: Graph): PathHighlight {
  const steps: Record<string, number[]> = {};
  const edges = new Set<string>();
  if (!result) return { steps, edges, last: null };
  result.path.forEach((visit, i) => {
    (steps[visit.node] ??= []).push(i + 1);
    const next = result.path[i + 1];
    if (visit.port && next) {
      const edge = { from: visit.node, port: visit.port, to: next.node };
      // Only an edge that is (still) drawn: the draft may have changed since the run.
      if (!graph || graph.edges.some((e) => e.from === edge.from && e.port === edge.port && e.to === edge.to)) {
        edges.add(edgeId(edge));
      }
    }
  });
  const lastVisit = result.path[result.path.length - 1];
  return { steps, edges, last: lastVisit ? lastVisit.node : null };
}

/** The numbers that enter a graph (of all its entry nodes), for the scenario's number field. */
export function entryNumbers(graph: Graph): string[] {
  const out = new Set<string>();
  for (const n of graph.nodes) {
    if (n.type === 'entry' && Array.isArray(n.params.numbers)) {
      for (const num of n.params.numbers) if (typeof num === 'string') out.add(num);
    }
  }
  return [...out].sort();
}
