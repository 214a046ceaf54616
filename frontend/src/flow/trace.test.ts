import { describe, expect, it } from 'vitest';
import { edgeId } from './graph';
import { traceHighlight } from './trace';
import type { Graph } from './types';

describe('traceHighlight', () => {
  it('numbers the visits and marks the edges between consecutive nodes', () => {
    const node = (id: string) => ({ id, type: 'dial', params: {}, position: { x: 0, y: 0 } });
    const graph = {
      nodes: [node('n1'), node('n2'), node('n3')],
      edges: [
        { from: 'n1', port: 'next', to: 'n2' },
        { from: 'n2', port: 'no_answer', to: 'n3' },
        { from: 'n1', port: 'other', to: 'n3' },
      ],
    } as unknown as Graph;
    const h = traceHighlight(['n1', 'n2', 'n3'], graph);
    expect(h.steps).toEqual({ n1: [1], n2: [2], n3: [3] });
    expect([...h.edges].sort()).toEqual([edgeId({ from: 'n1', port: 'next' }), edgeId({ from: 'n2', port: 'no_answer' })].sort());
    expect(h.last).toBe('n3');
    expect(traceHighlight([], graph).last).toBeNull();
  });
});
