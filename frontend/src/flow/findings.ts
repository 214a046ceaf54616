// Validation findings (GET …/validation, or the `findings` of a refused publish) placed
// on the canvas: by node and by port; and the API problems an edit can meet (409 stale
// version, 422 invalid command or refused publish) read into what the editor shows.
import type { Problem } from '../api';
import type { Finding, Validation } from './types';

export interface NodeIssues {
  errors: Finding[];
  warnings: Finding[];
  /** Findings about one output port of the node, by port. */
  ports: Record<string, Finding[]>;
}

export interface FindingsModel {
  byNode: Record<string, NodeIssues>;
  /** Findings about the scheme as a whole (no node named, or a node that is not drawn). */
  general: Finding[];
  errorCount: number;
  warningCount: number;
}

export function isError(f: Finding): boolean {
  return f.severity === 'error';
}

export function groupFindings(findings: readonly Finding[], nodeIds?: Iterable<string>): FindingsModel {
  const known = nodeIds ? new Set(nodeIds) : null;
  const byNode: Record<string, NodeIssues> = {};
  const general: Finding[] = [];
  let errorCount = 0;
  let warningCount = 0;
  for (const f of findings) {
    if (isError(f)) errorCount++;
    else warningCount++;
    if (!f.node || (known && !known.has(f.node))) {
      general.push(f);
      continue;
    }
    const issues = (byNode[f.node] ??= { errors: [], warnings: [], ports: {} });
    (isError(f) ? issues.errors : issues.warnings).push(f);
    if (f.port) (issues.ports[f.port] ??= []).push(f);
  }
  return { byNode, general, errorCount, warningCount };
}

/** All findings of a validation answer, errors first. */
export function validationFindings(v: Validation | null | undefined): Finding[] {
  return v ? [...(v.errors ?? []), ...(v.warnings ?? [])] : [];
}

/** The worst severity among findings, or null. */
export function worst(findings: readonly Finding[] | undefined): 'error' | 'warning' | null {
  if (!findings?.length) return null;
  return findings.some(isError) ? 'error' : 'warning';
}

function isFinding(value: unknown): value is Finding {
  if (typeof value !== 'object' || value === null) return false;
  const f = value as Record<string, unknown>;
  return typeof f.code === 'string' && typeof f.message === 'string';
}

export type EditProblem =
  | { kind: 'conflict'; currentVersion: number | null; detail: string }
  | { kind: 'findings'; findings: Finding[]; detail: string }
  | { kind: 'invalid'; messages: string[]; detail: string }
  | { kind: 'other'; status: number; detail: string };

/** What a failed scheme write means for the editor. */
export function classifyProblem(problem: Problem): EditProblem {
  if (problem.status === 409) {
    const v = problem.current_version;
    return { kind: 'conflict', currentVersion: typeof v === 'number' ? v : null, detail: problem.detail };
  }
  if (problem.status === 422 && Array.isArray(problem.findings)) {
    const findings = (problem.findings as unknown[]).filter(isFinding).map((f) => ({ ...f, severity: f.severity ?? 'error' }));
    return { kind: 'findings', findings, detail: problem.detail };
  }
  if (problem.status === 422 || problem.status === 400) {
    const messages = problem.errors.length
      ? problem.errors.map(({ field, message }) => {
          const msg = message.startsWith(`${field}: `) ? message.slice(field.length + 2) : message;
          return `${field}: ${msg || problem.detail}`;
        })
      : [problem.detail];
    return { kind: 'invalid', messages, detail: problem.detail };
  }
  return { kind: 'other', status: problem.status, detail: problem.detail };
}
