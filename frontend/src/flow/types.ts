// The routing-scheme model as the API shows it (docs/schemes.md), and the editing
// commands the editor sends (POST …/schemes/{id}/commands).

export type NodeParams = Record<string, unknown>;

export interface Position {
  x: number;
  y: number;
}

export interface GraphNode {
  id: string;
  type: string;
  params: NodeParams;
  position: Position;
}

export interface GraphEdge {
  from: string;
  port: string;
  to: string;
}

export interface Graph {
  nodes: GraphNode[];
  edges: GraphEdge[];
}

export interface Scheme {
  id: string;
  version: number;
  tenant_id?: string | null;
  name: string;
  description: string;
  graph: Graph;
  published_revision: number | null;
  revisions: number;
  entries: string[];
  [key: string]: unknown;
}

/** A node type of the catalogue (GET /api/scheme-catalogue). */
export interface CatalogueEntry {
  type: string;
  label: string;
  ports: string[];
  dynamic_ports: boolean;
  waits_for_caller: boolean;
  params_schema?: unknown;
}

export type Severity = 'error' | 'warning';

export interface Finding {
  severity: Severity | string;
  code: string;
  message: string;
  node?: string;
  port?: string;
}

export interface Validation {
  version?: number;
  valid: boolean;
  errors: Finding[];
  warnings: Finding[];
}

export interface Revision {
  scheme_id: string;
  number: number;
  name: string;
  comment: string;
  reverted_from: number | null;
  graph?: Graph;
  entries: string[];
  live: boolean;
  author: { id: string | null; login: string | null };
  published_at: string;
  scheme_version?: number;
}

export interface DiffChange {
  id: string;
  changes: Record<string, [unknown, unknown]>;
}

export interface SchemeDiff {
  from: number | 'draft';
  to: number | 'draft';
  nodes: { added: GraphNode[]; removed: GraphNode[]; changed: DiffChange[] };
  edges: { added: GraphEdge[]; removed: GraphEdge[] };
}

export interface SimulationVisit {
  node: string;
  type: string;
  port?: string;
  at: number;
}

export interface SimulationResult {
  path: SimulationVisit[];
  nodes: string[];
  outcome: { result: string; reason?: string; cause?: string; [key: string]: unknown };
  answered_at?: number | null;
  duration?: number;
  revision?: number | null;
}

export interface SimulationRequest {
  number: string;
  caller?: string;
  at?: string;
  keys?: { key: string; at: number }[];
  callees?: Record<string, { behaviour: string; after?: number; talk?: number }>;
  revision?: number | 'draft' | 'published';
}

/** IVR menu as far as the editor needs it: the keys whose action is "exit" become ports. */
export interface IvrMenu {
  id: string;
  name: string;
  keys?: { key: string; action: string; target?: string | null }[];
  [key: string]: unknown;
}

// --- commands -------------------------------------------------------------------------

export type Command =
  | { op: 'add_node'; node: GraphNode }
  | { op: 'move_node'; id: string; position: Position }
  | { op: 'remove_node'; id: string }
  | { op: 'set_params'; id: string; params: NodeParams }
  | { op: 'connect'; from: string; port: string; to: string }
  | { op: 'disconnect'; from: string; port: string }
  // Not a server command: the whole draft is replaced in one request (PUT …/draft),
  // used for auto-layout so that one layout is one change and one undo step.
  | { op: 'replace_draft'; graph: Graph };
