// A real call's path through a scheme (the node markers of its protocol) drawn like a
// simulated one: step numbers on the nodes, and the edges between consecutive nodes.
import { edgeId } from './graph';
import type { PathHighlight } from './simulate';
import type { Graph } from './types';

export function traceHighlight(nodes: string[], graph: Graph): PathHighlight {
  const steps: Record<string, number[]> = {};
  const edges = new Set<string>();
  nodes.forEach((node, i) => {
    (steps[node] ??= []).push(i + 1);
    const next = nodes[i + 1];
    if (next === undefined) return;
    // The port is not in the marker: any drawn edge from this node to the next one.
    for (const e of graph.edges) if (e.from === node && e.to === next) edges.add(edgeId(e));
  });
  return { steps, edges, last: nodes.length ? nodes[nodes.length - 1] : null };
}
