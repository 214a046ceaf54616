import { describe, expect, it } from 'vitest';
import { parseProblem } from '../api';
import { classifyProblem, groupFindings, validationFindings, worst } from './findings';
import type { Finding } from './types';

const findings: Finding[] = [
  { severity: 'error', code: 'no_entry', message: 'the scheme has no entry node' },
  { severity: 'error', code: 'missing_param', message: 'extension_id is required', node: 'dial1' },
  { severity: 'warning', code: 'unconnected', message: 'not connected', node: 'dial1', port: 'busy' },
  { severity: 'warning', code: 'unconnected', message: 'not connected', node: 'dial1', port: 'no_answer' },
  { severity: 'error', code: 'stale_port', message: 'the menu has no key 5', node: 'ivr1', port: 'key:5' },
  { severity: 'warning', code: 'unreachable', message: 'no call can reach this node', node: 'gone' },
];

describe('groupFindings', () => {
  it('places findings on nodes and ports, and counts them', () => {
    const model = groupFindings(findings, ['dial1', 'ivr1']);
    expect(model.errorCount).toBe(3);
    expect(model.warningCount).toBe(3);
    expect(model.byNode.dial1.errors.map((f) => f.code)).toEqual(['missing_param']);
    expect(model.byNode.dial1.warnings).toHaveLength(2);
    expect(Object.keys(model.byNode.dial1.ports)).toEqual(['busy', 'no_answer']);
    expect(model.byNode.ivr1.ports['key:5'][0].code).toBe('stale_port');
    // no node, or a node not on the canvas: about the scheme as a whole
    expect(model.general.map((f) => f.code)).toEqual(['no_entry', 'unreachable']);
  });

  it('takes every named node when no node list is given', () => {
    expect(Object.keys(groupFindings(findings).byNode).sort()).toEqual(['dial1', 'gone', 'ivr1']);
  });

  it('reads a validation answer, errors first, and its worst severity', () => {
    const all = validationFindings({ valid: false, errors: [findings[0]], warnings: [findings[2]] });
    expect(all.map((f) => f.severity)).toEqual(['error', 'warning']);
    expect(validationFindings(null)).toEqual([]);
    expect(worst(all)).toBe('error');
    expect(worst([findings[2]])).toBe('warning');
    expect(worst([])).toBeNull();
  });
});

describe('classifyProblem', () => {
  it('reads a stale version (409) as a conflict with the current version', () => {
    const p = parseProblem(409, {
      type: 'about:blank',
      status: 409,
      title: 'Version conflict',
      detail: 'expected version 1 but the object is at version 2; reload and retry',
      current_version: 2,
    });
    expect(classifyProblem(p)).toEqual({
      kind: 'conflict',
      currentVersion: 2,
      detail: 'expected version 1 but the object is at version 2; reload and retry',
    });
    expect(classifyProblem(parseProblem(409, { detail: 'x' }))).toMatchObject({ kind: 'conflict', currentVersion: null });
  });

  it('reads an invalid command (422) into one message per field', () => {
    const p = parseProblem(422, {
      status: 422,
      title: 'Invalid input',
      detail: "node.params.cause: Invalid enum value 'bogus'",
      fields: ['node.params.cause'],
      errors: [{ field: 'node.params.cause', message: "node.params.cause: Invalid enum value 'bogus'" }],
    });
    expect(classifyProblem(p)).toEqual({
      kind: 'invalid',
      messages: ["node.params.cause: Invalid enum value 'bogus'"],
      detail: "node.params.cause: Invalid enum value 'bogus'",
    });
    expect(classifyProblem(parseProblem(422, { detail: 'bad' }))).toMatchObject({ kind: 'invalid', messages: ['bad'] });
  });

  it('reads a refused publish (422 with findings) into its findings', () => {
    const p = parseProblem(422, {
      status: 422,
      title: 'The scheme has errors',
      detail: '1 error',
      findings: [{ severity: 'error', code: 'no_entry', message: 'no entry' }, { junk: true }],
    });
    expect(classifyProblem(p)).toEqual({
      kind: 'findings',
      findings: [{ severity: 'error', code: 'no_entry', message: 'no entry' }],
      detail: '1 error',
    });
  });

  it('passes anything else through', () => {
    expect(classifyProblem(parseProblem(403, { detail: 'role auditor may not change' }))).toEqual({
      kind: 'other',
      status: 403,
      detail: 'role auditor may not change',
    });
  });
});
