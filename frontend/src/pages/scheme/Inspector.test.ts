import { describe, expect, it } from 'vitest';
import { FIELDS, fieldText, fieldValue, paramsWith } from './Inspector';

const def = (type: string, name: string) => FIELDS[type].find((d) => d.name === name)!;

describe('inspector fields', () => {
  it('has a form for every node type of the catalogue', () => {
    expect(Object.keys(FIELDS).sort()).toEqual(
      ['caller_filter', 'dial', 'direct_dial', 'entry', 'fax', 'forward', 'group', 'hangup', 'ivr', 'play_message', 'set_name', 'time_condition', 'voicemail'],
    );
  });

  it('reads a list of numbers separated by commas or spaces', () => {
    const numbers = def('entry', 'numbers');
    expect(fieldValue(numbers, ' 300, +74951234567  301;302 ')).toEqual(['300', '+74951234567', '301', '302']);
    expect(fieldValue(numbers, '')).toEqual([]);
    expect(fieldText(numbers, ['300', '301'])).toBe('300, 301');
  });

  it('turns an empty select into null, and an empty number back into the default', () => {
    expect(fieldValue(def('dial', 'extension_id'), '')).toBeNull();
    expect(paramsWith({ extension_id: 'x', ring_time: 20 }, def('dial', 'ring_time'), '')).toEqual({ extension_id: 'x' });
    expect(paramsWith({ ring_time: 20 }, def('dial', 'ring_time'), '45')).toEqual({ ring_time: 45 });
    // what is not a number goes to the server as typed, which names the problem
    expect(fieldValue(def('dial', 'ring_time'), 'abc')).toBe('abc');
  });

  it('keeps text as typed, an empty external number as null', () => {
    expect(fieldValue(def('set_name', 'text'), ' VIP ')).toBe(' VIP ');
    expect(fieldValue(def('forward', 'number'), '  ')).toBeNull();
    expect(fieldText(def('forward', 'number'), null)).toBe('');
  });
});
