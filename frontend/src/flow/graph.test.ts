import { describe, expect, it } from 'vitest';
import { applyAll, applyCommand, CommandError, deleteCommands, invert, nextNodeId, samePosition } from './graph';
import { canRedo, canUndo, emptyHistory, entryFor, record, redoStep, undoStep, MAX_HISTORY } from './history';
import type { Command, Graph } from './types';

const base: Graph = {
  nodes: [
    { id: 'entry1', type: 'entry', params: { numbers: ['300'] }, position: { x: 0, y: 0 } },
    { id: 'dial1', type: 'dial', params: { extension_id: null, ring_time: 20 }, position: { x: 250, y: 0 } },
    { id: 'hangup1', type: 'hangup', params: { cause: 'normal' }, position: { x: 500, y: 0 } },
  ],
  edges: [
    { from: 'entry1', port: 'next', to: 'dial1' },
    { from: 'dial1', port: 'busy', to: 'hangup1' },
  ],
};

/** Comparable form: nodes and edges in a stable order. */
function canon(g: Graph) {
  return {
    nodes: [...g.nodes].sort((a, b) => a.id.localeCompare(b.id)),
    edges: [...g.edges].sort((a, b) => `${a.from}|${a.port}`.localeCompare(`${b.from}|${b.port}`)),
  };
}

describe('applyCommand', () => {
  it('adds, moves, changes, connects, disconnects and removes', () => {
    let g = applyCommand(base, { op: 'add_node', node: { id: 'vm1', type: 'voicemail', params: {}, position: { x: 1, y: 2 } } });
    expect(g.nodes.map((n) => n.id)).toEqual(['dial1', 'entry1', 'hangup1', 'vm1']);
    g = applyCommand(g, { op: 'move_node', id: 'vm1', position: { x: 5, y: 6 } });
    expect(g.nodes.find((n) => n.id === 'vm1')?.position).toEqual({ x: 5, y: 6 });
    g = applyCommand(g, { op: 'set_params', id: 'dial1', params: { ring_time: 30 } });
    expect(g.nodes.find((n) => n.id === 'dial1')?.params).toEqual({ ring_time: 30 });
    g = applyCommand(g, { op: 'connect', from: 'dial1', port: 'no_answer', to: 'vm1' });
    expect(g.edges).toContainEqual({ from: 'dial1', port: 'no_answer', to: 'vm1' });
    g = applyCommand(g, { op: 'disconnect', from: 'dial1', port: 'busy' });
    expect(g.edges.some((e) => e.port === 'busy')).toBe(false);
    g = applyCommand(g, { op: 'remove_node', id: 'dial1' });
    expect(g.nodes.map((n) => n.id)).toEqual(['entry1', 'hangup1', 'vm1']);
    expect(g.edges).toEqual([]); // edges from and into the removed node go with it
  });

  it('does not change its input', () => {
    const before = JSON.stringify(base);
    applyCommand(base, { op: 'remove_node', id: 'dial1' });
    applyCommand(base, { op: 'set_params', id: 'dial1', params: {} });
    expect(JSON.stringify(base)).toBe(before);
  });

  it('refuses what the server refuses', () => {
    expect(() => applyCommand(base, { op: 'connect', from: 'entry1', port: 'next', to: 'hangup1' })).toThrow(/disconnect it first/);
    expect(() => applyCommand(base, { op: 'disconnect', from: 'dial1', port: 'answered' })).toThrow(CommandError);
    expect(() => applyCommand(base, { op: 'move_node', id: 'ghost', position: { x: 0, y: 0 } })).toThrow(/no node ghost/);
    expect(() =>
      applyCommand(base, { op: 'add_node', node: { id: 'dial1', type: 'dial', params: {}, position: { x: 0, y: 0 } } }),
    ).toThrow(/already exists/);
    expect(() =>
      applyCommand(base, { op: 'add_node', node: { id: 'Bad Id', type: 'dial', params: {}, position: { x: 0, y: 0 } } }),
    ).toThrow(/not a node id/);
  });

  it('connecting a port to where it already leads changes nothing', () => {
    expect(applyCommand(base, { op: 'connect', from: 'entry1', port: 'next', to: 'dial1' })).toBe(base);
  });
});

describe('invert', () => {
  const cases: [string, Command[]][] = [
    ['add', [{ op: 'add_node', node: { id: 'fax1', type: 'fax', params: {}, position: { x: 9, y: 9 } } }]],
    ['move', [{ op: 'move_node', id: 'dial1', position: { x: 10, y: 20 } }]],
    ['params', [{ op: 'set_params', id: 'dial1', params: { ring_time: 45 } }]],
    ['connect', [{ op: 'connect', from: 'dial1', port: 'no_answer', to: 'hangup1' }]],
    ['disconnect', [{ op: 'disconnect', from: 'entry1', port: 'next' }]],
    ['remove with edges in and out', [{ op: 'remove_node', id: 'dial1' }]],
    [
      'several',
      [
        { op: 'disconnect', from: 'dial1', port: 'busy' },
        { op: 'remove_node', id: 'hangup1' },
        { op: 'add_node', node: { id: 'hangup2', type: 'hangup', params: {}, position: { x: 1, y: 1 } } },
        { op: 'connect', from: 'dial1', port: 'busy', to: 'hangup2' },
      ],
    ],
    ['replace draft', [{ op: 'replace_draft', graph: { nodes: [], edges: [] } }]],
  ];
  for (const [name, forward] of cases) {
    it(`undoes ${name}: forward then inverse is the identity`, () => {
      const inverse = invert(base, forward);
      const after = applyAll(base, forward);
      expect(canon(applyAll(after, inverse))).toEqual(canon(base));
      // and redo after undo gives the same graph again
      expect(canon(applyAll(applyAll(after, inverse), forward))).toEqual(canon(after));
    });
  }

  it('restores a removed node with its own edges and the edges into it', () => {
    expect(invert(base, [{ op: 'remove_node', id: 'dial1' }])).toEqual([
      { op: 'add_node', node: base.nodes[1] },
      { op: 'connect', from: 'entry1', port: 'next', to: 'dial1' },
      { op: 'connect', from: 'dial1', port: 'busy', to: 'hangup1' },
    ]);
  });

  it('gives the inverses of a sequence last first', () => {
    const inverse = invert(base, [
      { op: 'move_node', id: 'dial1', position: { x: 1, y: 1 } },
      { op: 'move_node', id: 'dial1', position: { x: 2, y: 2 } },
    ]);
    expect(inverse).toEqual([
      { op: 'move_node', id: 'dial1', position: { x: 1, y: 1 } },
      { op: 'move_node', id: 'dial1', position: { x: 250, y: 0 } },
    ]);
  });
});

describe('undo stack', () => {
  it('undoes and redoes entries, and a new action clears what could be redone', () => {
    let h = emptyHistory;
    expect(canUndo(h)).toBe(false);
    const move = entryFor(base, 'move', [{ op: 'move_node', id: 'dial1', position: { x: 1, y: 1 } }]);
    h = record(h, move);
    const g1 = applyAll(base, move.forward);
    const add = entryFor(g1, 'add', [{ op: 'add_node', node: { id: 'fax1', type: 'fax', params: {}, position: { x: 0, y: 0 } } }]);
    h = record(h, add);
    let g = applyAll(g1, add.forward);

    const u1 = undoStep(h)!;
    expect(u1.entry).toBe(add);
    g = applyAll(g, u1.entry.inverse);
    h = u1.history;
    const u2 = undoStep(h)!;
    expect(u2.entry).toBe(move);
    g = applyAll(g, u2.entry.inverse);
    h = u2.history;
    expect(canon(g)).toEqual(canon(base));
    expect(canUndo(h)).toBe(false);
    expect(undoStep(h)).toBeNull();
    expect(canRedo(h)).toBe(true);

    const r1 = redoStep(h)!;
    expect(r1.entry).toBe(move);
    h = r1.history;
    expect(canUndo(h) && canRedo(h)).toBe(true);

    h = record(h, entryFor(g1, 'params', [{ op: 'set_params', id: 'dial1', params: {} }]));
    expect(canRedo(h)).toBe(false);
    expect(redoStep(h)).toBeNull();
  });

  it('keeps at most MAX_HISTORY entries', () => {
    let h = emptyHistory;
    for (let i = 0; i < MAX_HISTORY + 5; i++) h = record(h, { label: String(i), forward: [], inverse: [] });
    expect(h.past).toHaveLength(MAX_HISTORY);
    expect(h.past[0].label).toBe('5');
  });
});

describe('nextNodeId / deleteCommands / samePosition', () => {
  it('picks the first free id for a type, valid for the API', () => {
    expect(nextNodeId(base, 'dial')).toBe('dial2');
    expect(nextNodeId(base, 'time_condition')).toBe('time1');
    expect(nextNodeId(base, 'hangup', ['hangup2'])).toBe('hangup3');
    expect(nextNodeId(base, '9-Weird!')).toMatch(/^[a-z][a-z0-9_-]{0,23}$/);
  });

  it('deletes edges first, and not those that go with a removed node', () => {
    expect(deleteCommands(base, ['dial1'], ['entry1|next', 'dial1|busy'])).toEqual([{ op: 'remove_node', id: 'dial1' }]);
    expect(deleteCommands(base, [], ['dial1|busy'])).toEqual([{ op: 'disconnect', from: 'dial1', port: 'busy' }]);
    expect(deleteCommands(base, ['nope'], [])).toEqual([]);
  });

  it('treats sub-pixel drags as no move', () => {
    expect(samePosition({ x: 1.2, y: 2.4 }, { x: 1, y: 2 })).toBe(true);
    expect(samePosition({ x: 1, y: 2 }, { x: 3, y: 2 })).toBe(false);
  });
});
