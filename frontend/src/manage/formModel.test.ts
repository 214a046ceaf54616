import { describe, expect, it } from 'vitest';
import { collectBody, deepEqual, getPath, outgoingValue, patchBody, setPath } from './formModel';
import type { Ctx, FieldSpec } from './types';

const ctx = (role = 'tenant_admin'): Ctx => ({ user: { id: 'u', login: 'ann', role, tenant_id: 't1' }, tenantId: 't1', t: (k) => k, refs: {}, editing: false });

describe('paths in the form document', () => {
  it('reads and writes nested values without touching the original', () => {
    const doc = { name: 'A', numbering: { min_digits: 3, max_digits: 5 }, devices: [{ type: 'sip' }] };
    expect(getPath(doc, 'numbering.max_digits')).toBe(5);
    expect(getPath(doc, 'devices[0].type')).toBe('sip');
    expect(getPath(doc, 'missing.deep')).toBeUndefined();
    const next = setPath(doc, 'numbering.min_digits', 4);
    expect(next).toEqual({ ...doc, numbering: { min_digits: 4, max_digits: 5 } });
    expect(doc.numbering.min_digits).toBe(3);
    expect(next.devices).toBe(doc.devices); // untouched branches are shared
    expect(setPath({}, 'limits.incoming', null)).toEqual({ limits: { incoming: null } });
    expect(setPath({ keys: [] }, 'keys[1].key', '2')).toEqual({ keys: [undefined, { key: '2' }] });
  });

  it('compares deeply', () => {
    expect(deepEqual({ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] })).toBe(true);
    expect(deepEqual({ a: [1, { b: 2 }] }, { a: [1, { b: 3 }] })).toBe(false);
    expect(deepEqual({ a: 1 }, { a: 1, b: undefined })).toBe(false);
    expect(deepEqual(null, {})).toBe(false);
    expect(deepEqual([1], { 0: 1 })).toBe(false);
  });
});

describe('outgoing values', () => {
  it('sends what the API takes for each kind of field', () => {
    const text: FieldSpec = { kind: 'text', name: 'name', label: 'f.name' };
    const nullable: FieldSpec = { kind: 'text', name: 'pin', label: 'f.pin', nullable: true };
    const password: FieldSpec = { kind: 'text', name: 'password', label: 'f.password', inputType: 'password', omitEmpty: true };
    const int: FieldSpec = { kind: 'int', name: 'ring_time', label: 'f.ring_time' };
    const limit: FieldSpec = { kind: 'int', name: 'limits.incoming', label: 'limit.incoming', nullable: true };
    const select: FieldSpec = { kind: 'select', name: 'owner_user_id', label: 'f.owner_user_id', nullable: true, options: () => [] };
    expect(outgoingValue(text, '  Sales ', 'create')).toBe('Sales');
    expect(outgoingValue(nullable, '  ', 'edit')).toBeNull();
    expect(outgoingValue(password, '', 'edit')).toBeUndefined();
    expect(outgoingValue(password, ' secret pw ', 'edit')).toBe(' secret pw ');
    expect(outgoingValue(int, '25', 'create')).toBe(25);
    expect(outgoingValue(int, null, 'create')).toBeUndefined(); // the server's default
    expect(outgoingValue(int, 'x', 'create')).toBe('x'); // the server names what is wrong
    expect(outgoingValue(limit, null, 'edit')).toBeNull();
    expect(outgoingValue(select, '', 'edit')).toBeNull();
    expect(outgoingValue({ kind: 'checkbox', name: 'enabled', label: 'f.enabled' }, undefined, 'create')).toBe(false);
  });
});

describe('request bodies', () => {
  const fields: FieldSpec[] = [
    { kind: 'text', name: 'login', label: 'f.login', fixedOnEdit: true },
    { kind: 'text', name: 'name', label: 'f.name' },
    { kind: 'text', name: 'password', label: 'f.password', inputType: 'password', only: 'create' },
    { kind: 'text', name: 'password', label: 'f.newPassword', inputType: 'password', only: 'edit', omitEmpty: true },
    { kind: 'select', name: 'status', label: 'f.status', options: () => [], editable: (c) => c.user.role === 'operator' },
    { kind: 'int', name: 'numbering.min_digits', label: 'f.min_digits' },
    { kind: 'text', name: 'pin', label: 'f.pin', when: (v) => v.role === 'tenant_admin' },
  ];

  it('collects the visible, editable fields at their paths', () => {
    const values = { login: 'ann', name: 'Ann', password: 'pw123456', status: 'blocked', numbering: { min_digits: 4 }, role: 'user', pin: '1234' };
    expect(collectBody(fields, values, 'create', ctx())).toEqual({ login: 'ann', name: 'Ann', password: 'pw123456', numbering: { min_digits: 4 } });
    expect(collectBody(fields, values, 'create', ctx('operator'))).toEqual({
      login: 'ann',
      name: 'Ann',
      password: 'pw123456',
      status: 'blocked',
      numbering: { min_digits: 4 },
    });
    // Editing: the login is fixed; an empty new password is left out.
    expect(collectBody(fields, { ...values, password: '', role: 'tenant_admin' }, 'edit', ctx())).toEqual({ name: 'Ann', numbering: { min_digits: 4 }, pin: '1234' });
  });

  it('patches only the changed members; a nested object goes whole, over the object’s own', () => {
    const original = { name: 'Ann', numbering: { min_digits: 3, max_digits: 5, allow_leading_zero_or_one: false }, devices: [{ id: 'd1' }] };
    const base = { name: 'Ann', numbering: { min_digits: 3 }, devices: [{ id: 'd1' }] };
    expect(patchBody({ name: 'Ann', numbering: { min_digits: 3 }, devices: [{ id: 'd1' }] }, base, original)).toEqual({});
    expect(patchBody({ name: 'Anna', numbering: { min_digits: 4 }, devices: [{ id: 'd1' }] }, base, original)).toEqual({
      name: 'Anna',
      numbering: { min_digits: 4, max_digits: 5, allow_leading_zero_or_one: false },
    });
    expect(patchBody({ devices: [{ id: 'd1' }, { type: 'sip' }] }, base, original)).toEqual({ devices: [{ id: 'd1' }, { type: 'sip' }] });
  });
});
