// Output ports of scheme nodes (docs/schemes.md, backend routing/catalogue.py): each
// names one way a step can end, and is the id of the React Flow source handle an edge
// leaves from. An IVR node's ports follow from its menu: `key:<k>` for every menu key
// whose action is "exit" (in keypad order), then `invalid` and `timeout`.
import type { CatalogueEntry, GraphEdge, GraphNode, IvrMenu, NodeParams } from './types';

/** Keypad order, as the backend draws IVR key ports. */
export const KEYS = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '0', '*', '#'] as const;

export const DIAL_PORTS = ['answered', 'no_answer', 'busy', 'unavailable'] as const;

/** The catalogue's fixed ports, used until (or if) the catalogue has not been loaded. */
export const STATIC_PORTS: Record<string, readonly string[]> = {
  entry: ['next'],
  caller_filter: ['match', 'no_match'],
  time_condition: ['open', 'closed'],
  play_message: ['next'],
  ivr: ['invalid', 'timeout'],
  dial: DIAL_PORTS,
  group: ['answered', 'overflow'],
  forward: DIAL_PORTS,
  direct_dial: ['timeout'],
  voicemail: [],
  fax: [],
  set_name: ['next'],
  hangup: [],
};

export const NODE_TYPES = Object.keys(STATIC_PORTS);

/** Node types that wait for the caller: a loop through one of them cannot spin on its own. */
export const WAITS_FOR_CALLER = new Set(['ivr', 'direct_dial']);

export interface PortContext {
  /** Catalogue entries by type; STATIC_PORTS stands in for a type it lacks. */
  catalogue?: Record<string, CatalogueEntry>;
  /** IVR menus by id. */
  menus?: Record<string, IvrMenu>;
}

export function keyPort(key: string): string {
  return `key:${key}`;
}

export function isKeyPort(port: string): boolean {
  return port.startsWith('key:') && (KEYS as readonly string[]).includes(port.slice(4));
}

/** The keys of a menu whose action is "exit", in keypad order, each once. */
export function menuExitKeys(menu: IvrMenu | undefined | null): string[] {
  const keys = new Set<string>();
  for (const item of menu?.keys ?? []) {
    if (item && typeof item.key === 'string' && (item.action ?? 'exit') === 'exit') keys.add(item.key);
  }
  return KEYS.filter((k) => keys.has(k));
}

function fixedPorts(type: string, ctx: PortContext): readonly string[] {
  return ctx.catalogue?.[type]?.ports ?? STATIC_PORTS[type] ?? [];
}

/** The node's output ports; a terminal node (or an unknown type) has none. Always a fresh array. */
export function outputPorts(node: { type: string; params?: NodeParams }, ctx: PortContext = {}): string[] {
  const fixed = [...fixedPorts(node.type, ctx)];
  if (node.type !== 'ivr') return fixed;
  const menuId = typeof node.params?.menu_id === 'string' ? node.params.menu_id.toLowerCase() : '';
  const menu = menuId ? ctx.menus?.[menuId] : undefined;
  return [...menuExitKeys(menu).map(keyPort), ...fixed];
}

/**
 * The ports to draw: the node's ports, then any port that still has an edge but no longer
 * exists (an IVR key removed from the menu: a `stale_port` error the user must see and
 * be able to disconnect).
 */
export function drawnPorts(
  node: { id: string; type: string; params?: NodeParams },
  edges: readonly GraphEdge[],
  ctx: PortContext = {},
  extra: readonly string[] = [],
): { ports: string[]; stale: Set<string> } {
  const ports = outputPorts(node, ctx);
  const stale = new Set<string>();
  const more = [...edges.filter((e) => e.from === node.id).map((e) => e.port), ...extra];
  for (const port of more) {
    if (!ports.includes(port)) {
      ports.push(port);
      stale.add(port);
    }
  }
  return { ports, stale };
}

/** Whether the node can be the target of an edge (everything but an entry). */
export function hasInput(nodeType: string): boolean {
  return nodeType !== 'entry';
}

/** The node types that wait for the caller (from the catalogue, or the known ones). */
export function waitsForCaller(type: string, ctx: PortContext = {}): boolean {
  const entry = ctx.catalogue?.[type];
  return entry ? entry.waits_for_caller : WAITS_FOR_CALLER.has(type);
}

/** Catalogue entries by type. */
export function catalogueByType(entries: readonly CatalogueEntry[]): Record<string, CatalogueEntry> {
  return Object.fromEntries(entries.map((e) => [e.type, e]));
}

export function nodeById(nodes: readonly GraphNode[], id: string): GraphNode | undefined {
  return nodes.find((n) => n.id === id);
}
