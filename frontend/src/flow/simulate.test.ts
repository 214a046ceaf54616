import { describe, expect, it } from 'vitest';
import { entryNumbers, parseKeyScript, pathHighlight, simulationRequest } from './simulate';
import type { Graph, SimulationResult } from './types';

describe('parseKeyScript', () => {
  it('reads key@seconds, separated by commas or spaces', () => {
    expect(parseKeyScript('1@2, 3@10.5 #@11')).toEqual({
      keys: [
        { key: '1', at: 2 },
        { key: '3', at: 10.5 },
        { key: '#', at: 11 },
      ],
      errors: [],
    });
  });

  it('places a bare key a second after the previous one', () => {
    expect(parseKeyScript('1 2@5 3').keys).toEqual([
      { key: '1', at: 1 },
      { key: '2', at: 5 },
      { key: '3', at: 6 },
    ]);
  });

  it('names what it cannot read', () => {
    expect(parseKeyScript('1@2 x 12 5@9999').errors).toEqual(['x', '12', '5@9999']);
    expect(parseKeyScript('  ')).toEqual({ keys: [], errors: [] });
  });
});

describe('simulationRequest', () => {
  it('builds the request the API takes', () => {
    const { request, errors } = simulationRequest({
      number: ' 300 ',
      caller: '+74951234567',
      at: '2026-11-25T10:00',
      keys: '1@2',
      callees: [
        { target: '201', behaviour: 'busy', after: 0 },
        { target: ' ', behaviour: 'answer', after: 3 },
      ],
      revision: 'published',
    });
    expect(errors).toEqual([]);
    expect(request).toMatchObject({
      number: '300',
      caller: '+74951234567',
      keys: [{ key: '1', at: 2 }],
      callees: { '201': { behaviour: 'busy', after: 0 } },
      revision: 'published',
    });
    expect(request.at).toBe(new Date('2026-11-25T10:00').toISOString());
  });

  it('leaves out what is not given', () => {
    const { request } = simulationRequest({ number: '300', caller: '', at: '', keys: '', callees: [], revision: 'draft' });
    expect(request).toEqual({ number: '300', revision: 'draft' });
  });
});

describe('pathHighlight', () => {
  const graph: Graph = {
    nodes: [],
    edges: [
      { from: 'entry1', port: 'next', to: 'ivr1' },
      { from: 'ivr1', port: 'timeout', to: 'ivr1' },
      { from: 'ivr1', port: 'key:1', to: 'dial1' },
    ],
  };
  const result: SimulationResult = {
    path: [
      { node: 'entry1', type: 'entry', port: 'next', at: 0 },
      { node: 'ivr1', type: 'ivr', port: 'timeout', at: 0 },
      { node: 'ivr1', type: 'ivr', port: 'key:1', at: 5 },
      { node: 'dial1', type: 'dial', at: 7 },
    ],
    nodes: ['entry1', 'ivr1', 'ivr1', 'dial1'],
    outcome: { result: 'answered' },
  };

  it('numbers the visits of each node and lists the edges taken', () => {
    const h = pathHighlight(result, graph);
    expect(h.steps).toEqual({ entry1: [1], ivr1: [2, 3], dial1: [4] });
    expect([...h.edges].sort()).toEqual(['entry1|next', 'ivr1|key:1', 'ivr1|timeout']);
    expect(h.last).toBe('dial1');
  });

  it('leaves out edges the draft no longer has', () => {
    const h = pathHighlight(result, { nodes: [], edges: [graph.edges[0]] });
    expect([...h.edges]).toEqual(['entry1|next']);
  });

  it('is empty without a result', () => {
    expect(pathHighlight(null)).toEqual({ steps: {}, edges: new Set(), last: null });
  });
});

describe('entryNumbers', () => {
  it('collects the numbers of all entries, sorted, once', () => {
    expect(
      entryNumbers({
        nodes: [
          { id: 'a', type: 'entry', params: { numbers: ['300', '+74950000001'] }, position: { x: 0, y: 0 } },
          { id: 'b', type: 'entry', params: { numbers: ['300', 7] }, position: { x: 0, y: 0 } },
          { id: 'c', type: 'dial', params: { numbers: ['999'] }, position: { x: 0, y: 0 } },
        ],
        edges: [],
      }),
    ).toEqual(['+74950000001', '300']);
  });
});
