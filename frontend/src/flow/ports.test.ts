import { describe, expect, it } from 'vitest';
import { hasInput, ivrKeys, keyPort, outputPorts } from './ports';

describe('outputPorts', () => {
  it('gives the entry point a single "next" port', () => {
    expect(outputPorts('entry', {})).toEqual(['next']);
  });

  it('gives dial one port per call outcome', () => {
    expect(outputPorts('dial', { extension: '101' })).toEqual(['answered', 'no_answer', 'busy', 'unavailable']);
  });

  it('gives an IVR one port per menu key, then invalid and timeout', () => {
    expect(outputPorts('ivr', { keys: ['1', '2'] })).toEqual(['key_1', 'key_2', 'invalid', 'timeout']);
  });

  it('keeps IVR keys in order, drops duplicates and non-DTMF entries, names * and #', () => {
    expect(outputPorts('ivr', { keys: ['9', '0', '9', '*', '#', '12', '', 'a', null, 3] })).toEqual([
      'key_9',
      'key_0',
      'key_star',
      'key_hash',
      'key_3',
      'invalid',
      'timeout',
    ]);
    expect(ivrKeys({ keys: 'not a list' })).toEqual([]);
    expect(keyPort('*')).toBe('key_star');
  });

  it('gives an IVR without keys only its fallback ports', () => {
    expect(outputPorts('ivr', {})).toEqual(['invalid', 'timeout']);
    expect(outputPorts('ivr')).toEqual(['invalid', 'timeout']);
  });

  it('gives terminal and unknown nodes no ports', () => {
    expect(outputPorts('hangup', {})).toEqual([]);
    expect(outputPorts('teleport', {})).toEqual([]);
  });

  it('returns a fresh array each time (callers may mutate it)', () => {
    const first = outputPorts('dial');
    first.push('x');
    expect(outputPorts('dial')).toHaveLength(4);
  });

  it('gives every node but the entry an input', () => {
    expect(hasInput('entry')).toBe(false);
    expect(hasInput('dial')).toBe(true);
    expect(hasInput('ivr')).toBe(true);
    expect(hasInput('teleport')).toBe(false);
  });
});
