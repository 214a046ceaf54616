// Auto-layout with ELK's layered algorithm: calls flow left to right, each node's output
// ports kept in their drawn order on its right side and its input on the left, so edges
// leave every port without crossing its neighbours.
import type { ELK as ElkApi, ElkExtendedEdge, ElkNode, ElkPort } from 'elkjs/lib/elk-api';
import type { Graph, GraphNode, Position } from './types';

export interface NodeSize {
  width: number;
  height: number;
}

/** Sizes as the node component draws them, for nodes not measured yet. */
export const NODE_WIDTH = 210;
const HEADER = 34;
const SUMMARY_LINE = 20;
const PORT_LINE = 22;

export function estimateSize(ports: number, summaryLines = 1): NodeSize {
  return { width: NODE_WIDTH, height: HEADER + summaryLines * SUMMARY_LINE + Math.max(ports, 0) * PORT_LINE + 10 };
}

const IN = (id: string) => `${id}/in`;
const OUT = (id: string, port: string) => `${id}/out/${port}`;

export function elkGraph(
  graph: Graph,
  portsOf: (node: GraphNode) => string[],
  sizeOf: (node: GraphNode, ports: string[]) => NodeSize,
): ElkNode {
  const known = new Set(graph.nodes.map((n) => n.id));
  const children: ElkNode[] = graph.nodes.map((node) => {
    const ports = portsOf(node);
    const size = sizeOf(node, ports);
    const elkPorts: ElkPort[] = [
      { id: IN(node.id), width: 8, height: 8, layoutOptions: { 'elk.port.side': 'WEST', 'elk.port.index': '0' } },
      ...ports.map((port, i) => ({
        id: OUT(node.id, port),
        width: 8,
        height: 8,
        // Fixed order on the east side, top to bottom (ELK counts east ports clockwise).
        layoutOptions: { 'elk.port.side': 'EAST', 'elk.port.index': String(i) },
      })),
    ];
    return {
      id: node.id,
      width: size.width,
      height: size.height,
      ports: elkPorts,
      layoutOptions: { 'elk.portConstraints': 'FIXED_ORDER' },
    };
  });
  const edges: ElkExtendedEdge[] = graph.edges
    .filter((e) => known.has(e.from) && known.has(e.to))
    .map((e) => {
      const ports = portsOf(graph.nodes.find((n) => n.id === e.from)!);
      return {
        id: `${e.from}|${e.port}`,
        // An edge from a port the node no longer has (stale) leaves from the node itself.
        sources: [ports.includes(e.port) ? OUT(e.from, e.port) : e.from],
        targets: [IN(e.to)],
      };
    });
  return {
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'RIGHT',
      'elk.edgeRouting': 'SPLINES',
      'elk.spacing.nodeNode': '40',
      'elk.layered.spacing.nodeNodeBetweenLayers': '90',
      'elk.layered.nodePlacement.strategy': 'BRANDES_KOEPF',
      'elk.layered.crossingMinimization.strategy': 'LAYER_SWEEP',
      'elk.separateConnectedComponents': 'true',
      'elk.spacing.componentComponent': '60',
    },
    children,
    edges,
  };
}

let elkInstance: Promise<ElkApi> | null = null;

/** ELK is loaded on first use (it is large), once. */
export function loadElk(): Promise<ElkApi> {
  elkInstance ??= import('elkjs/lib/elk.bundled.js').then((mod) => {
    // A CommonJS module: its export is the constructor, under `default` once bundled.
    const loaded = mod as unknown as { default?: new () => ElkApi };
    const Elk = loaded.default ?? (mod as unknown as new () => ElkApi);
    return new Elk();
  });
  return elkInstance;
}

/** New positions (top-left corners) for every node of the graph. */
export async function layoutPositions(
  graph: Graph,
  portsOf: (node: GraphNode) => string[],
  sizeOf: (node: GraphNode, ports: string[]) => NodeSize,
  elk?: ElkApi,
): Promise<Record<string, Position>> {
  if (graph.nodes.length === 0) return {};
  const engine = elk ?? (await loadElk());
  const laid = await engine.layout(elkGraph(graph, portsOf, sizeOf));
  const out: Record<string, Position> = {};
  for (const child of laid.children ?? []) {
    out[child.id] = { x: Math.round(child.x ?? 0), y: Math.round(child.y ?? 0) };
  }
  return out;
}

/** The graph with the nodes moved to `positions` (others where they were). */
export function withPositions(graph: Graph, positions: Record<string, Position>): Graph {
  return {
    nodes: graph.nodes.map((n) => (positions[n.id] ? { ...n, position: { ...positions[n.id] } } : n)),
    edges: graph.edges,
  };
}
