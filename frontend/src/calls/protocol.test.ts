import { describe, expect, it } from 'vitest';
import { formatDuration, formatOffset, schemeIdOfKey, schemeTraces, stepKind } from './protocol';
import type { ProtocolStep } from './types';

const step = (s: Partial<ProtocolStep>): ProtocolStep => ({ step: 'node', at: null, offset: 0, text: '', ...s });

describe('protocol formatting', () => {
  it('formats offsets and durations', () => {
    expect(formatOffset(0)).toBe('+0:00.0');
    expect(formatOffset(5.24)).toBe('+0:05.2');
    expect(formatOffset(125.5)).toBe('+2:05.5');
    expect(formatOffset(null)).toBe('');
    expect(formatDuration(6)).toBe('0:06');
    expect(formatDuration(3725)).toBe('1:02:05');
    expect(formatDuration(undefined)).toBe('');
  });

  it('classifies steps for the timeline', () => {
    expect(['node', 'dial_end', 'answered', 'end', 'hop_limit', 'start'].map(stepKind)).toEqual(['route', 'dial', 'answer', 'end', 'problem', 'other']);
  });

  it('collects the path of each scheme revision from the node steps', () => {
    const protocol = [
      step({ step: 'start' }),
      step({ scheme: 'aaaaaaaaaaaa', revision: 3, node: 'n1' }),
      step({ step: 'dial' }),
      step({ scheme: 'aaaaaaaaaaaa', revision: 3, node: 'n2' }),
      step({ scheme: 'bbbbbbbbbbbb', revision: 1, node: 'n1' }),
      step({ scheme: 'aaaaaaaaaaaa', revision: 3, node: 'n1' }),
      step({ scheme: null, node: 'n9' }),
    ];
    expect(schemeTraces(protocol)).toEqual([
      { scheme: 'aaaaaaaaaaaa', revision: 3, nodes: ['n1', 'n2', 'n1'] },
      { scheme: 'bbbbbbbbbbbb', revision: 1, nodes: ['n1'] },
    ]);
  });

  it('finds the scheme of a key', () => {
    const ids = ['11111111-2222-3333-4444-555555555555', 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa'];
    expect(schemeIdOfKey('aaaaaaaaaaaa', ids)).toBe(ids[1]);
    expect(schemeIdOfKey('AAAAAAAAAAAA', ids)).toBe(ids[1]);
    expect(schemeIdOfKey('cccccccccccc', ids)).toBeNull();
  });
});
