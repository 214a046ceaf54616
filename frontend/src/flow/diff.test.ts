import { describe, expect, it } from 'vitest';
import { diffView, ghostId, isGhost } from './diff';
import type { Graph, SchemeDiff } from './types';

// Revision 1: entry1 → dial1 (busy → hangup1). Draft: dial1's ring time changed, hangup1
// removed, vm1 added; busy now leads to vm1, entry1 moved only.
const draft: Graph = {
  nodes: [
    { id: 'dial1', type: 'dial', params: { ring_time: 40 }, position: { x: 200, y: 0 } },
    { id: 'entry1', type: 'entry', params: { numbers: ['300'] }, position: { x: 10, y: 10 } },
    { id: 'vm1', type: 'voicemail', params: {}, position: { x: 400, y: 0 } },
  ],
  edges: [
    { from: 'dial1', port: 'busy', to: 'vm1' },
    { from: 'entry1', port: 'next', to: 'dial1' },
  ],
};

const diff: SchemeDiff = {
  from: 1,
  to: 'draft',
  nodes: {
    added: [draft.nodes[2]],
    removed: [{ id: 'hangup1', type: 'hangup', params: { cause: 'normal' }, position: { x: 400, y: 100 } }],
    changed: [
      { id: 'dial1', changes: { params: [{ ring_time: 20 }, { ring_time: 40 }] } },
      { id: 'entry1', changes: { position: [{ x: 0, y: 0 }, { x: 10, y: 10 }] } },
    ],
  },
  edges: {
    added: [{ from: 'dial1', port: 'busy', to: 'vm1' }],
    removed: [{ from: 'dial1', port: 'busy', to: 'hangup1' }],
  },
};

describe('diffView', () => {
  const view = diffView(draft, diff);

  it('marks added and changed nodes; a node only moved is not a change', () => {
    expect(view.nodeMarks.vm1).toBe('added');
    expect(view.nodeMarks.dial1).toBe('changed');
    expect(view.changedFields.dial1).toEqual(['params']);
    expect(view.nodeMarks.entry1).toBeUndefined();
    expect(view.counts).toEqual({ added: 1, removed: 1, changed: 1, edgesAdded: 1, edgesRemoved: 1 });
  });

  it('draws removed nodes back as ghosts where they were', () => {
    const ghost = view.nodes.find((n) => n.id === ghostId('hangup1'));
    expect(ghost).toMatchObject({ type: 'hangup', position: { x: 400, y: 100 } });
    expect(view.nodeMarks[ghostId('hangup1')]).toBe('removed');
    expect(isGhost(ghost!.id)).toBe(true);
    expect(isGhost('dial1')).toBe(false);
    expect(view.nodes).toHaveLength(4);
  });

  it('draws both the new edge of a port and the removed one, to the ghost', () => {
    const marks = view.edges.map((e) => [e.id, e.mark ?? null, e.edge.to]);
    expect(marks).toEqual([
      ['dial1|busy', 'added', 'vm1'],
      ['entry1|next', null, 'dial1'],
      ['dial1|busy|was:hangup1', 'removed', ghostId('hangup1')],
    ]);
    expect(new Set(view.edges.map((e) => e.id)).size).toBe(view.edges.length);
  });

  it('can count moves as changes', () => {
    expect(diffView(draft, diff, { ignoreMoves: false }).nodeMarks.entry1).toBe('changed');
  });

  it('shows nothing marked for identical graphs', () => {
    const same = diffView(draft, {
      from: 2,
      to: 'draft',
      nodes: { added: [], removed: [], changed: [] },
      edges: { added: [], removed: [] },
    });
    expect(same.nodeMarks).toEqual({});
    expect(same.edges.every((e) => !e.mark)).toBe(true);
  });
});
