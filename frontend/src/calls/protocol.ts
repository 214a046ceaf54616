// Formatting a call and its protocol for people: offsets, durations, the scheme path.
import type { ProtocolStep } from './types';

/** "+0:05.2" style offset from the call's start (seconds). */
export function formatOffset(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '';
  const total = Math.max(0, seconds);
  const m = Math.floor(total / 60);
  const s = total - m * 60;
  const secs = s.toFixed(1).padStart(4, '0');
  return `+${m}:${secs}`;
}

/** A duration in seconds as "m:ss" or "h:mm:ss". */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return '';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${rest}` : `${m}:${rest}`;
}

/** The kind of a step for its marker on the timeline. */
export function stepKind(step: string): 'route' | 'dial' | 'answer' | 'end' | 'problem' | 'other' {
  if (step === 'node' || step === 'queue' || step === 'queue_join' || step === 'playback' || step === 'key') return 'route';
  if (step === 'dial' || step === 'dial_end' || step === 'agent_called' || step === 'agent_no_answer') return 'dial';
  if (step === 'answered' || step === 'agent_connect' || step === 'originator') return 'answer';
  if (step === 'end' || step === 'hangup') return 'end';
  if (step === 'hop_limit' || step === 'lost' || step === 'queue_abandon') return 'problem';
  return 'other';
}

export interface SchemeTrace {
  /** The scheme key (first 12 hex digits of its id) the markers carry. */
  scheme: string;
  revision: number | null;
  /** The nodes in the order the call passed them. */
  nodes: string[];
}

/** The routing path of each scheme a call went through, from its `node` steps. */
export function schemeTraces(protocol: ProtocolStep[]): SchemeTrace[] {
  const out: SchemeTrace[] = [];
  for (const step of protocol) {
    if (step.step !== 'node' || !step.scheme || !step.node) continue;
    const revision = typeof step.revision === 'number' ? step.revision : null;
    let trace = out.find((t) => t.scheme === step.scheme && t.revision === revision);
    if (!trace) out.push((trace = { scheme: String(step.scheme), revision, nodes: [] }));
    trace.nodes.push(String(step.node));
  }
  return out;
}

/** The scheme id of a key among the tenant's schemes. */
export function schemeIdOfKey(key: string, schemeIds: string[]): string | null {
  const k = key.toLowerCase();
  return schemeIds.find((id) => id.replace(/-/g, '').slice(0, 12).toLowerCase() === k) ?? null;
}
