// Output ports of call-flow nodes: each names one way a step can end, and is the
// id of the React Flow source handle that an edge leaves from.

export type NodeType = 'entry' | 'dial' | 'ivr' | 'hangup';
export type NodeParams = Record<string, unknown>;

export const NODE_TYPES: readonly NodeType[] = ['entry', 'dial', 'ivr', 'hangup'];

/** Outcomes of dialling an extension, in the order they are drawn. */
export const DIAL_OUTCOMES = ['answered', 'no_answer', 'busy', 'unavailable'] as const;

const DTMF = /^[0-9*#]$/;

/** The handle id of an IVR key: "key_1", and "key_star" / "key_hash" for * and #. */
export function keyPort(key: string): string {
  return `key_${key === '*' ? 'star' : key === '#' ? 'hash' : key}`;
}

/** The IVR's menu keys: single DTMF characters, first occurrence kept, in order. */
export function ivrKeys(params: NodeParams): string[] {
  const keys = Array.isArray(params.keys) ? params.keys : [];
  const seen = new Set<string>();
  for (const key of keys) {
    const k = typeof key === 'number' && Number.isInteger(key) ? String(key) : key;
    if (typeof k === 'string' && DTMF.test(k)) seen.add(k);
  }
  return [...seen];
}

/** The node's output ports; a terminal node (or an unknown type) has none. */
export function outputPorts(nodeType: string, params: NodeParams = {}): string[] {
  switch (nodeType) {
    case 'entry':
      return ['next'];
    case 'dial':
      return [...DIAL_OUTCOMES];
    case 'ivr':
      return [...ivrKeys(params).map(keyPort), 'invalid', 'timeout'];
    case 'hangup':
    default:
      return [];
  }
}

/** Whether the node can be the target of an edge (everything but the entry point). */
export function hasInput(nodeType: string): boolean {
  return nodeType !== 'entry' && (NODE_TYPES as readonly string[]).includes(nodeType);
}
