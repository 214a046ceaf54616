// The form's document: read and write values by path, build the POST/PATCH body from the
// field specs, and find what changed for a PATCH.
import { splitPath, type PathPart } from './formErrors';
import type { Ctx, FieldSpec, Mode, Values } from './types';

export function getPath(obj: unknown, path: string | readonly PathPart[]): unknown {
  const parts = typeof path === 'string' ? splitPath(path) : path;
  let cur: unknown = obj;
  for (const part of parts) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[part];
  }
  return cur;
}

/** A copy of `obj` with the value at `path` replaced (objects and arrays created as needed). */
export function setPath<T>(obj: T, path: string | readonly PathPart[], value: unknown): T {
  const parts = typeof path === 'string' ? splitPath(path) : path;
  if (parts.length === 0) return value as T;
  const [head, ...rest] = parts;
  const base: unknown = obj;
  if (typeof head === 'number') {
    const arr = Array.isArray(base) ? [...(base as unknown[])] : [];
    arr[head] = setPath(arr[head], rest, value);
    return arr as T;
  }
  const record = base !== null && typeof base === 'object' && !Array.isArray(base) ? { ...(base as Record<string, unknown>) } : {};
  record[head] = setPath(record[head], rest, value);
  return record as T;
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((v, i) => deepEqual(v, bb[i]));
  }
  const ka = Object.keys(a as object);
  const kb = Object.keys(b as object);
  return ka.length === kb.length && ka.every((k) => deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

export function fieldVisible(field: FieldSpec, mode: Mode, values: Values, ctx: Ctx): boolean {
  if (field.only && field.only !== mode) return false;
  return field.when ? field.when(values, ctx) : true;
}

export function fieldEditable(field: FieldSpec, mode: Mode, ctx: Ctx): boolean {
  if (mode === 'edit' && field.fixedOnEdit) return false;
  return field.editable ? field.editable(ctx) : true;
}

/** The value a field sends, or `undefined` to leave it out of the body. */
export function outgoingValue(field: FieldSpec, raw: unknown, mode: Mode): unknown {
  switch (field.kind) {
    case 'text':
    case 'textarea': {
      const text = typeof raw === 'string' ? raw : raw == null ? '' : String(raw);
      if (text === '' && field.kind === 'text' && field.omitEmpty) return undefined;
      if (text.trim() === '' && field.kind === 'text' && field.nullable) return null;
      return field.kind === 'text' && field.inputType !== 'password' ? text.trim() : text;
    }
    case 'int': {
      if (raw === '' || raw === null || raw === undefined) return field.nullable ? null : mode === 'create' ? undefined : raw ?? null;
      if (typeof raw === 'number') return raw;
      const n = Number(raw);
      return Number.isFinite(n) && String(raw).trim() !== '' ? n : raw; // the server names what is wrong
    }
    case 'checkbox':
      return Boolean(raw);
    case 'select':
      return raw === '' || raw === undefined ? (field.nullable ? null : undefined) : raw;
    case 'checklist':
      return Array.isArray(raw) ? raw : [];
    case 'custom':
      return raw;
  }
}

/** The request body: every visible, editable field's value at its path. */
export function collectBody(fields: readonly FieldSpec[], values: Values, mode: Mode, ctx: Ctx): Values {
  let body: Values = {};
  for (const field of fields) {
    if (!fieldVisible(field, mode, values, ctx) || !fieldEditable(field, mode, ctx)) continue;
    const out = outgoingValue(field, getPath(values, field.name), mode);
    if (out === undefined) continue;
    body = setPath(body, field.name, out);
  }
  return body;
}

/**
 * A PATCH: the top-level members of `body` that differ from `base` (the body the loaded
 * object would give). A nested object is sent whole, on top of the object's own (`original`)
 * so members the form does not show are kept.
 */
export function patchBody(body: Values, base: Values, original: Values = {}): Values {
  const out: Values = {};
  for (const [key, value] of Object.entries(body)) {
    if (deepEqual(value, base[key])) continue;
    const before = original[key];
    const isObject = (v: unknown) => v !== null && typeof v === 'object' && !Array.isArray(v);
    out[key] = isObject(value) && isObject(before) ? { ...(before as Values), ...(value as Values) } : value;
  }
  return out;
}

/** Values for a new object's form: the spec's defaults. */
export function cloneValues(values: Values): Values {
  return JSON.parse(JSON.stringify(values)) as Values;
}
