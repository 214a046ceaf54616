// The undo stack: each entry is one user action as the commands that did it and the
// commands that undo it (computed against the graph it was applied to).
import { invert } from './graph';
import type { Command, Graph } from './types';

export interface HistoryEntry {
  label: string;
  forward: Command[];
  inverse: Command[];
}

export interface History {
  past: HistoryEntry[];
  future: HistoryEntry[];
}

export const MAX_HISTORY = 200;

export const emptyHistory: History = { past: [], future: [] };

/** An entry for `forward` applied to `graph` (the inverse is computed now, against that graph). */
export function entryFor(graph: Graph, label: string, forward: Command[]): HistoryEntry {
  return { label, forward, inverse: invert(graph, forward) };
}

/** After a new action: it can be undone, and nothing can be redone any more. */
export function record(history: History, entry: HistoryEntry): History {
  return { past: [...history.past, entry].slice(-MAX_HISTORY), future: [] };
}

export function canUndo(history: History): boolean {
  return history.past.length > 0;
}

export function canRedo(history: History): boolean {
  return history.future.length > 0;
}

/** The entry to undo (run its `inverse`) and the history once it is undone. */
export function undoStep(history: History): { entry: HistoryEntry; history: History } | null {
  const entry = history.past[history.past.length - 1];
  if (!entry) return null;
  return { entry, history: { past: history.past.slice(0, -1), future: [...history.future, entry] } };
}

/** The entry to redo (run its `forward`) and the history once it is redone. */
export function redoStep(history: History): { entry: HistoryEntry; history: History } | null {
  const entry = history.future[history.future.length - 1];
  if (!entry) return null;
  return { entry, history: { past: [...history.past, entry], future: history.future.slice(0, -1) } };
}
