import { describe, expect, it } from 'vitest';
import { elkGraph, estimateSize, layoutPositions, withPositions } from './layout';
import { outputPorts } from './ports';
import type { Graph } from './types';

const graph: Graph = {
  nodes: [
    { id: 'hangup1', type: 'hangup', params: {}, position: { x: 0, y: 0 } },
    { id: 'dial1', type: 'dial', params: {}, position: { x: 0, y: 0 } },
    { id: 'vm1', type: 'voicemail', params: {}, position: { x: 0, y: 0 } },
    { id: 'entry1', type: 'entry', params: {}, position: { x: 0, y: 0 } },
  ],
  edges: [
    { from: 'entry1', port: 'next', to: 'dial1' },
    { from: 'dial1', port: 'busy', to: 'hangup1' },
    { from: 'dial1', port: 'no_answer', to: 'vm1' },
  ],
};

const portsOf = (n: { type: string }) => outputPorts(n);
const sizeOf = (_n: unknown, ports: string[]) => estimateSize(ports.length);

describe('elkGraph', () => {
  it('gives each node an input on the west and its ports in order on the east', () => {
    const g = elkGraph(graph, portsOf, sizeOf);
    const dial = g.children!.find((c) => c.id === 'dial1')!;
    expect(dial.layoutOptions).toEqual({ 'elk.portConstraints': 'FIXED_ORDER' });
    expect(dial.ports!.map((p) => [p.id, p.layoutOptions!['elk.port.side'], p.layoutOptions!['elk.port.index']])).toEqual([
      ['dial1/in', 'WEST', '0'],
      ['dial1/out/answered', 'EAST', '0'],
      ['dial1/out/no_answer', 'EAST', '1'],
      ['dial1/out/busy', 'EAST', '2'],
      ['dial1/out/unavailable', 'EAST', '3'],
    ]);
    expect(g.edges).toContainEqual({ id: 'dial1|busy', sources: ['dial1/out/busy'], targets: ['hangup1/in'] });
    expect(g.layoutOptions!['elk.algorithm']).toBe('layered');
  });
});

describe('layoutPositions', () => {
  it('lays calls out left to right, exits in port order top to bottom', async () => {
    const pos = await layoutPositions(graph, portsOf, sizeOf);
    expect(Object.keys(pos).sort()).toEqual(['dial1', 'entry1', 'hangup1', 'vm1']);
    expect(pos.entry1.x).toBeLessThan(pos.dial1.x);
    expect(pos.dial1.x).toBeLessThan(pos.hangup1.x);
    expect(pos.dial1.x).toBeLessThan(pos.vm1.x);
    // no_answer is drawn above busy: its target is placed above busy's
    expect(pos.vm1.y).toBeLessThan(pos.hangup1.y);
    const moved = withPositions(graph, pos);
    expect(moved.nodes.find((n) => n.id === 'dial1')!.position).toEqual(pos.dial1);
    expect(moved.edges).toBe(graph.edges);
  });

  it('has nothing to do for an empty graph', async () => {
    expect(await layoutPositions({ nodes: [], edges: [] }, portsOf, sizeOf)).toEqual({});
  });
});
