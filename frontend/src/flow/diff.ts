// A revision diff (GET …/diff?from=N&to=draft) drawn on the canvas: the "to" graph with
// added and changed nodes marked, and what was removed drawn back as ghosts where it was.
import { edgeId } from './graph';
import type { Graph, GraphEdge, GraphNode, SchemeDiff } from './types';

export type NodeMark = 'added' | 'removed' | 'changed';
export type EdgeMark = 'added' | 'removed';

export interface DrawnEdge {
  /** The React Flow edge id: a current edge's own id, or one told apart for a removed edge. */
  id: string;
  edge: GraphEdge;
  mark?: EdgeMark;
}

export interface DiffView {
  /** Nodes to draw: those of the "to" graph, then the removed ones (ghosts). */
  nodes: GraphNode[];
  /** Edges to draw: those of the "to" graph, then the removed ones. */
  edges: DrawnEdge[];
  nodeMarks: Record<string, NodeMark>;
  /** What changed in each changed node (field names: params, type; moves are not changes). */
  changedFields: Record<string, string[]>;
  counts: { added: number; removed: number; changed: number; edgesAdded: number; edgesRemoved: number };
}

/** The id a removed node is drawn under (it may share its id with a node added since). */
export function ghostId(id: string): string {
  return `ghost:${id}`;
}

export function isGhost(id: string): boolean {
  return id.startsWith('ghost:');
}

export function diffView(to: Graph, diff: SchemeDiff, { ignoreMoves = true } = {}): DiffView {
  const nodeMarks: Record<string, NodeMark> = {};
  const changedFields: Record<string, string[]> = {};
  const present = new Set(to.nodes.map((n) => n.id));
  for (const n of diff.nodes.added) nodeMarks[n.id] = 'added';
  let changed = 0;
  for (const c of diff.nodes.changed) {
    const fields = Object.keys(c.changes).filter((f) => !(ignoreMoves && f === 'position'));
    if (fields.length === 0) continue; // only moved: not a change of behaviour
    nodeMarks[c.id] = 'changed';
    changedFields[c.id] = fields;
    changed++;
  }
  const ghosts = diff.nodes.removed.map((n) => ({ ...n, id: ghostId(n.id) }));
  for (const g of ghosts) nodeMarks[g.id] = 'removed';
  const removedIds = new Set(diff.nodes.removed.map((n) => n.id));
  // A removed edge is drawn between what is there now, or the ghost of what was removed.
  const endpoint = (id: string) => (removedIds.has(id) || !present.has(id) ? ghostId(id) : id);
  const added = new Set(diff.edges.added.map(edgeId));
  const edges: DrawnEdge[] = to.edges.map((e) => ({ id: edgeId(e), edge: e, mark: added.has(edgeId(e)) ? 'added' : undefined }));
  for (const e of diff.edges.removed) {
    const edge = { from: endpoint(e.from), port: e.port, to: endpoint(e.to) };
    // A port that now leads elsewhere has an added and a removed edge: both are drawn.
    edges.push({ id: `${edgeId(edge)}|was:${e.to}`, edge, mark: 'removed' });
  }
  return {
    nodes: [...to.nodes, ...ghosts],
    edges,
    nodeMarks,
    changedFields,
    counts: {
      added: diff.nodes.added.length,
      removed: diff.nodes.removed.length,
      changed,
      edgesAdded: diff.edges.added.length,
      edgesRemoved: diff.edges.removed.length,
    },
  };
}
