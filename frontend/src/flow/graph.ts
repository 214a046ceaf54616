// Editing commands applied to a graph on the client (as the server applies them, see
// backend routing/graph.py `apply`), and their inverses for undo. The editor shows a
// command's result at once and replaces it with the server's answer when it comes.
import type { Command, Graph, GraphEdge, GraphNode } from './types';

export class CommandError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'CommandError';
  }
}

export const NODE_ID = /^[a-z][a-z0-9_-]{0,23}$/;

/** Short id prefixes by node type (ids must match NODE_ID). */
const ID_PREFIX: Record<string, string> = {
  entry: 'entry',
  caller_filter: 'filter',
  time_condition: 'time',
  play_message: 'play',
  ivr: 'ivr',
  dial: 'dial',
  group: 'group',
  forward: 'forward',
  direct_dial: 'ddial',
  voicemail: 'vm',
  fax: 'fax',
  set_name: 'name',
  hangup: 'hangup',
};

/** A fresh node id for a node of `type`: "dial1", "dial2", … (the first one unused). */
export function nextNodeId(graph: Graph, type: string, taken: Iterable<string> = []): string {
  const used = new Set([...graph.nodes.map((n) => n.id), ...taken]);
  let prefix = ID_PREFIX[type] ?? type.toLowerCase().replace(/[^a-z0-9_-]/g, '');
  if (!/^[a-z]/.test(prefix)) prefix = `n${prefix}`;
  prefix = prefix.slice(0, 18);
  for (let i = 1; ; i++) {
    const id = `${prefix}${i}`;
    if (!used.has(id)) return id;
  }
}

export function edgeId(edge: { from: string; port: string }): string {
  return `${edge.from}|${edge.port}`;
}

function find(graph: Graph, id: string, field: string): GraphNode {
  const node = graph.nodes.find((n) => n.id === id);
  if (!node) throw new CommandError(field, `no node ${id} in this scheme`);
  return node;
}

function sortedNodes(nodes: GraphNode[]): GraphNode[] {
  return [...nodes].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** The graph after one command (a new object; the input is not changed). */
export function applyCommand(graph: Graph, cmd: Command): Graph {
  switch (cmd.op) {
    case 'add_node': {
      if (!NODE_ID.test(cmd.node.id)) throw new CommandError('node.id', `${cmd.node.id} is not a node id`);
      if (graph.nodes.some((n) => n.id === cmd.node.id)) {
        throw new CommandError('node.id', `node ${cmd.node.id} already exists`);
      }
      const node: GraphNode = {
        id: cmd.node.id,
        type: cmd.node.type,
        params: { ...cmd.node.params },
        position: { ...cmd.node.position },
      };
      return { nodes: sortedNodes([...graph.nodes, node]), edges: graph.edges };
    }
    case 'move_node':
      find(graph, cmd.id, 'id');
      return {
        nodes: graph.nodes.map((n) => (n.id === cmd.id ? { ...n, position: { ...cmd.position } } : n)),
        edges: graph.edges,
      };
    case 'remove_node':
      find(graph, cmd.id, 'id');
      return {
        nodes: graph.nodes.filter((n) => n.id !== cmd.id),
        edges: graph.edges.filter((e) => e.from !== cmd.id && e.to !== cmd.id),
      };
    case 'set_params':
      find(graph, cmd.id, 'id');
      return {
        nodes: graph.nodes.map((n) => (n.id === cmd.id ? { ...n, params: { ...cmd.params } } : n)),
        edges: graph.edges,
      };
    case 'connect': {
      find(graph, cmd.from, 'from');
      find(graph, cmd.to, 'to');
      const current = graph.edges.find((e) => e.from === cmd.from && e.port === cmd.port);
      if (current && current.to !== cmd.to) {
        throw new CommandError('port', `port ${cmd.port} of ${cmd.from} already leads to ${current.to}; disconnect it first`);
      }
      if (current) return graph;
      return { nodes: graph.nodes, edges: [...graph.edges, { from: cmd.from, port: cmd.port, to: cmd.to }] };
    }
    case 'disconnect': {
      find(graph, cmd.from, 'from');
      if (!graph.edges.some((e) => e.from === cmd.from && e.port === cmd.port)) {
        throw new CommandError('port', `port ${cmd.port} of ${cmd.from} is not connected`);
      }
      return { nodes: graph.nodes, edges: graph.edges.filter((e) => !(e.from === cmd.from && e.port === cmd.port)) };
    }
    case 'replace_draft':
      return cloneGraph(cmd.graph);
  }
}

export function applyAll(graph: Graph, cmds: readonly Command[]): Graph {
  return cmds.reduce(applyCommand, graph);
}

export function cloneGraph(graph: Graph): Graph {
  return {
    nodes: graph.nodes.map((n) => ({ ...n, params: structuredClone(n.params), position: { ...n.position } })),
    edges: graph.edges.map((e) => ({ ...e })),
  };
}

/** The commands that undo `cmd` when it is applied to `graph`. */
export function inverseOf(graph: Graph, cmd: Command): Command[] {
  switch (cmd.op) {
    case 'add_node':
      return [{ op: 'remove_node', id: cmd.node.id }];
    case 'move_node': {
      const node = find(graph, cmd.id, 'id');
      return [{ op: 'move_node', id: cmd.id, position: { ...node.position } }];
    }
    case 'remove_node': {
      // Back come the node, its own edges and the edges into it (removing it dropped them).
      const node = find(graph, cmd.id, 'id');
      const edges: GraphEdge[] = graph.edges.filter((e) => e.from === cmd.id || e.to === cmd.id);
      return [
        { op: 'add_node', node: { ...node, params: structuredClone(node.params), position: { ...node.position } } },
        ...edges.map((e): Command => ({ op: 'connect', from: e.from, port: e.port, to: e.to })),
      ];
    }
    case 'set_params': {
      const node = find(graph, cmd.id, 'id');
      return [{ op: 'set_params', id: cmd.id, params: structuredClone(node.params) }];
    }
    case 'connect': {
      const current = graph.edges.find((e) => e.from === cmd.from && e.port === cmd.port);
      return current ? [] : [{ op: 'disconnect', from: cmd.from, port: cmd.port }];
    }
    case 'disconnect': {
      const current = graph.edges.find((e) => e.from === cmd.from && e.port === cmd.port);
      if (!current) throw new CommandError('port', `port ${cmd.port} of ${cmd.from} is not connected`);
      return [{ op: 'connect', from: cmd.from, port: cmd.port, to: current.to }];
    }
    case 'replace_draft':
      return [{ op: 'replace_draft', graph: cloneGraph(graph) }];
  }
}

/** The inverse of a sequence of commands applied to `graph`: each step's inverse, last first. */
export function invert(graph: Graph, forward: readonly Command[]): Command[] {
  const steps: Command[][] = [];
  let g = graph;
  for (const cmd of forward) {
    steps.push(inverseOf(g, cmd));
    g = applyCommand(g, cmd);
  }
  return steps.reverse().flat();
}

/** The commands that delete a selection: the edges first (those not going with a removed node), then the nodes. */
export function deleteCommands(graph: Graph, nodeIds: readonly string[], edgeIds: readonly string[]): Command[] {
  const nodes = new Set(nodeIds.filter((id) => graph.nodes.some((n) => n.id === id)));
  const out: Command[] = [];
  for (const e of graph.edges) {
    if (edgeIds.includes(edgeId(e)) && !nodes.has(e.from) && !nodes.has(e.to)) {
      out.push({ op: 'disconnect', from: e.from, port: e.port });
    }
  }
  for (const id of nodes) out.push({ op: 'remove_node', id });
  return out;
}

/** Same positions (to the pixel): a drag that ends where it started is no move. */
export function samePosition(a: { x: number; y: number }, b: { x: number; y: number }): boolean {
  return Math.round(a.x) === Math.round(b.x) && Math.round(a.y) === Math.round(b.y);
}
