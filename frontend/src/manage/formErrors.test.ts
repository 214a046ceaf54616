import { describe, expect, it } from 'vitest';
import { parseProblem } from '../api';
import { currentVersion, errorsUnder, isVersionConflict, joinPath, mapFieldErrors, problemFieldErrors, rowErrors, splitPath } from './formErrors';

describe('field error paths', () => {
  it('splits and joins the API’s paths', () => {
    expect(splitPath('devices[0].forward.target')).toEqual(['devices', 0, 'forward', 'target']);
    expect(splitPath('numbering.min_digits')).toEqual(['numbering', 'min_digits']);
    expect(splitPath('keys[11]')).toEqual(['keys', 11]);
    expect(splitPath('0.number')).toEqual([0, 'number']);
    expect(joinPath(['devices', 0, 'forward', 'target'])).toBe('devices[0].forward.target');
    expect(joinPath([2, 'target'])).toBe('[2].target');
    expect(joinPath([])).toBe('');
  });
});

describe('mapFieldErrors', () => {
  const fields = ['number', 'name', 'devices', 'numbering.min_digits', 'numbering'];

  it('puts each error at the field whose path is its longest prefix', () => {
    const { byField, unmatched } = mapFieldErrors(
      {
        number: 'must have 3 to 5 digits',
        'devices[0].number': 'required for an external device',
        'devices[1].forward.target': 'required when forwarding is on',
        'numbering.min_digits': 'must be at most max_digits',
        body: 'a JSON object is required',
        'If-Match': 'must be a version number',
      },
      fields,
    );
    expect(byField).toEqual({
      number: 'must have 3 to 5 digits',
      devices: '[0].number: required for an external device; [1].forward.target: required when forwarding is on',
      'numbering.min_digits': 'must be at most max_digits',
    });
    expect(unmatched).toEqual([
      { field: 'body', message: 'a JSON object is required' },
      { field: 'If-Match', message: 'must be a version number' },
    ]);
  });

  it('does not take a name that merely starts like a field (numbers ≠ number)', () => {
    expect(mapFieldErrors({ numbers: 'x' }, ['number']).unmatched).toEqual([{ field: 'numbers', message: 'x' }]);
  });

  it('reads the messages of a problem+json answer without the repeated field name', () => {
    const problem = parseProblem(422, {
      title: 'Invalid input',
      detail: 'number: must not start with 0 or 1',
      fields: ['number'],
      errors: [{ field: 'number', message: 'number: must not start with 0 or 1' }],
    });
    expect(mapFieldErrors(problemFieldErrors(problem), ['number', 'name']).byField).toEqual({ number: 'must not start with 0 or 1' });
    expect(problemFieldErrors(null)).toEqual({});
  });
});

describe('errors of list editors', () => {
  const errors = {
    'keys[2].target': 'required',
    'keys[2].key': 'used twice',
    'keys[0]': 'bad row',
    keys: 'at most 12 keys',
    'keyset.x': 'elsewhere',
    name: 'required',
  };

  it('takes the errors under a prefix, the prefix removed', () => {
    expect(errorsUnder(errors, 'keys')).toEqual({ '[2].target': 'required', '[2].key': 'used twice', '[0]': 'bad row', '': 'at most 12 keys' });
    expect(errorsUnder(errors, 'keys[2]')).toEqual({ target: 'required', key: 'used twice' });
  });

  it('groups them by row (-1: the list itself)', () => {
    expect(rowErrors(errors, 'keys')).toEqual({
      2: { target: 'required', key: 'used twice' },
      0: { '': 'bad row' },
      [-1]: { '': 'at most 12 keys' },
    });
    expect(rowErrors({ 'exceptions[1].periods[0].end': 'after start' }, 'exceptions')).toEqual({ 1: { 'periods[0].end': 'after start' } });
  });
});

describe('version conflicts', () => {
  it('tells a stale If-Match (409 with current_version) from a duplicate (409 naming a field)', () => {
    const stale = parseProblem(409, { title: 'Version conflict', detail: 'expected version 7 but the object is at version 1; reload and retry', current_version: 1 });
    const duplicate = parseProblem(409, { title: 'Conflict', detail: 'number 200 is already in use', fields: ['number'], errors: [{ field: 'number', message: 'number 200 is already in use' }] });
    const bare = parseProblem(409, { title: 'Conflict', detail: 'the version changed' });
    expect(isVersionConflict(stale)).toBe(true);
    expect(currentVersion(stale)).toBe(1);
    expect(isVersionConflict(duplicate)).toBe(false);
    expect(currentVersion(duplicate)).toBeNull();
    expect(isVersionConflict(bare)).toBe(true);
    expect(isVersionConflict(parseProblem(422, { current_version: 3 }))).toBe(false);
    expect(isVersionConflict(null)).toBe(false);
  });
});
