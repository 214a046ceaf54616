// Server validation problems (RFC 9457, `errors: [{field, message}]` with paths such as
// `devices[0].forward.target`) placed at the form's fields.
import type { Problem } from '../api';
import { fieldErrors } from '../api';

export type PathPart = string | number;

/** `devices[0].forward.target` → ['devices', 0, 'forward', 'target']. */
export function splitPath(path: string): PathPart[] {
  const parts: PathPart[] = [];
  for (const m of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
    if (m[2] !== undefined) parts.push(Number(m[2]));
    else parts.push(/^\d+$/.test(m[1]) ? Number(m[1]) : m[1]);
  }
  return parts;
}

/** ['devices', 0, 'number'] → `devices[0].number`. */
export function joinPath(parts: readonly PathPart[]): string {
  let out = '';
  for (const part of parts) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${part}` : part;
  }
  return out;
}

function isPrefix(prefix: PathPart[], path: PathPart[]): boolean {
  return prefix.length <= path.length && prefix.every((p, i) => p === path[i]);
}

export interface MappedErrors {
  /** One message per form field (the field's own path, e.g. `numbering.min_digits` or `devices`). */
  byField: Record<string, string>;
  /** Errors that name no field of the form (or `body`): shown above the form. */
  unmatched: { field: string; message: string }[];
}

/**
 * Put each error at the form field whose path is the longest prefix of the error's path:
 * `devices[0].number` goes to the field `devices` (whose editor finds the row), `name` to
 * `name`. Errors under no field are returned as unmatched.
 */
export function mapFieldErrors(errors: Record<string, string>, fields: readonly string[]): MappedErrors {
  const parsed = fields.map((f) => ({ name: f, parts: splitPath(f) }));
  const byField: Record<string, string> = {};
  const unmatched: { field: string; message: string }[] = [];
  for (const [field, message] of Object.entries(errors)) {
    const parts = splitPath(field);
    let best: { name: string; parts: PathPart[] } | null = null;
    for (const candidate of parsed) {
      if (candidate.parts.length && isPrefix(candidate.parts, parts) && (!best || candidate.parts.length > best.parts.length)) {
        best = candidate;
      }
    }
    if (!best) {
      unmatched.push({ field, message });
      continue;
    }
    // A nested error keeps the rest of its path in front (`[0].number: required`); list
    // editors place such errors at their rows themselves (see rowErrors).
    const key = best.name;
    const text = parts.length > best.parts.length ? `${joinPath(parts.slice(best.parts.length))}: ${message}` : message;
    byField[key] = byField[key] ? `${byField[key]}; ${text}` : text;
  }
  return { byField, unmatched };
}

/**
 * The errors under `prefix`, with the prefix removed: under `devices`,
 * `devices[0].number` becomes `[0].number`; `devices` itself becomes ``.
 */
export function errorsUnder(errors: Record<string, string>, prefix: string): Record<string, string> {
  const pre = splitPath(prefix);
  const out: Record<string, string> = {};
  for (const [field, message] of Object.entries(errors)) {
    const parts = splitPath(field);
    if (!isPrefix(pre, parts)) continue;
    const rest = joinPath(parts.slice(pre.length));
    out[rest] = out[rest] ? `${out[rest]}; ${message}` : message;
  }
  return out;
}

/**
 * Errors of a list field by row: under `keys`, `keys[2].target` → {2: {target: …}},
 * `keys[1]` → {1: {'': …}}; errors of the list itself (`keys`) are under -1.
 */
export function rowErrors(errors: Record<string, string>, prefix: string): Record<number, Record<string, string>> {
  const out: Record<number, Record<string, string>> = {};
  for (const [rest, message] of Object.entries(errorsUnder(errors, prefix))) {
    const parts = splitPath(rest);
    const row = typeof parts[0] === 'number' ? parts[0] : -1;
    const key = joinPath(typeof parts[0] === 'number' ? parts.slice(1) : parts);
    const bucket = (out[row] ??= {});
    bucket[key] = bucket[key] ? `${bucket[key]}; ${message}` : message;
  }
  return out;
}

/** The field errors of a problem (the server's `field: ` prefix dropped), by full path. */
export function problemFieldErrors(problem: Problem | null): Record<string, string> {
  return problem ? fieldErrors(problem) : {};
}

/**
 * A stale If-Match: 409 without field names (a duplicate number is also a 409, but names its
 * field and is shown there).
 */
export function isVersionConflict(problem: Problem | null): boolean {
  if (!problem || problem.status !== 409) return false;
  if (typeof problem.current_version === 'number') return true;
  return problem.errors.length === 0 && /version/i.test(`${problem.title} ${problem.detail}`);
}

/** The version the server says the object is at now (from a version conflict), if given. */
export function currentVersion(problem: Problem | null): number | null {
  return problem && typeof problem.current_version === 'number' ? problem.current_version : null;
}
