// The background archive export (F-REP-1): its states and progress as the server reports them.

export interface Archive {
  id: string;
  state: string;
  progress?: number | null;
  [key: string]: unknown;
}

const DONE = new Set(['done', 'ready', 'completed', 'finished']);
const FAILED = new Set(['failed', 'error', 'cancelled']);

export function archiveDone(a: Archive): boolean {
  return DONE.has(a.state);
}

export function archiveFailed(a: Archive): boolean {
  return FAILED.has(a.state);
}

/** Progress in percent (0–100): the server's fraction (0–1) or percent, 100 once done. */
export function archivePercent(a: Archive): number {
  if (archiveDone(a)) return 100;
  const p = typeof a.progress === 'number' && Number.isFinite(a.progress) ? a.progress : 0;
  const percent = p <= 1 ? p * 100 : p;
  return Math.max(0, Math.min(100, Math.round(percent)));
}
