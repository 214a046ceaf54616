// The editor's state and its conversation with the server. Every edit is shown at once
// (applied locally) and sent as commands, one request each, in order, each with
// If-Match: <the version the previous answer gave>. The server's answer is the truth:
// once nothing is in flight the canvas shows its graph. A 409 (someone else changed
// the scheme) stops editing until the user reloads: nothing is retried or overwritten.
import { useCallback, useEffect, useRef, useState } from 'react';
import { toProblem } from '../api';
import { classifyProblem, type EditProblem } from './findings';
import { applyAll } from './graph';
import { emptyHistory, entryFor, record, redoStep, undoStep, type History, type HistoryEntry } from './history';
import type { SchemeApi } from './schemeApi';
import type { Command, Graph, Scheme, Validation } from './types';

const EMPTY: Graph = { nodes: [], edges: [] };

export type Conflict = Extract<EditProblem, { kind: 'conflict' }>;

export interface SchemeEditor {
  scheme: Scheme | null;
  graph: Graph;
  loadProblem: ReturnType<typeof toProblem> | null;
  loading: boolean;
  pending: number;
  conflict: Conflict | null;
  editError: string[] | null;
  clearEditError: () => void;
  history: History;
  validation: Validation | null;
  /** Do something new (it can be undone); false when it cannot be done now. */
  perform: (label: string, forward: Command[]) => boolean;
  undo: () => void;
  redo: () => void;
  reload: () => Promise<void>;
  revalidate: () => void;
  /** Run a write that needs the current version once every edit in flight is done. */
  exclusive: <T>(write: (version: number) => Promise<T>) => Promise<T>;
  /** After a write outside the command stream (publish): the scheme's new version and live state. */
  updateScheme: (patch: Partial<Scheme>) => void;
  /** A write refused with 409 outside the command stream. */
  markConflict: (conflict: Conflict) => void;
  /** The graph as it is now (also between renders). */
  currentGraph: () => Graph;
}

export function useSchemeEditor(api: SchemeApi, schemeId: string, readOnly: boolean): SchemeEditor {
  const [scheme, setSchemeState] = useState<Scheme | null>(null);
  const [graph, setGraphState] = useState<Graph>(EMPTY);
  const [history, setHistoryState] = useState<History>(emptyHistory);
  const [pending, setPending] = useState(0);
  const [conflict, setConflict] = useState<Conflict | null>(null);
  const [editError, setEditError] = useState<string[] | null>(null);
  const [validation, setValidation] = useState<Validation | null>(null);
  const [loadProblem, setLoadProblem] = useState<ReturnType<typeof toProblem> | null>(null);
  const [loading, setLoading] = useState(true);

  const schemeRef = useRef<Scheme | null>(null);
  const graphRef = useRef<Graph>(EMPTY);
  const historyRef = useRef<History>(emptyHistory);
  const queueRef = useRef<Promise<unknown>>(Promise.resolve());
  const genRef = useRef(0);
  const pendingRef = useRef(0);
  const conflictRef = useRef(false);
  const validationSeq = useRef(0);
  const readOnlyRef = useRef(readOnly);
  readOnlyRef.current = readOnly;

  const setScheme = useCallback((s: Scheme | null) => {
    schemeRef.current = s;
    setSchemeState(s);
  }, []);
  const setGraph = useCallback((g: Graph) => {
    graphRef.current = g;
    setGraphState(g);
  }, []);
  const setHistory = useCallback((h: History) => {
    historyRef.current = h;
    setHistoryState(h);
  }, []);

  const revalidate = useCallback(() => {
    const seq = ++validationSeq.current;
    api.validation(schemeId).then(
      (v) => seq === validationSeq.current && setValidation(v),
      () => seq === validationSeq.current && setValidation(null),
    );
  }, [api, schemeId]);

  const reload = useCallback(async () => {
    genRef.current++; // whatever is still queued is dropped
    setLoading(true);
    try {
      const s = await api.get(schemeId);
      setScheme(s);
      setGraph(s.graph);
      setHistory(emptyHistory);
      conflictRef.current = false;
      setConflict(null);
      setEditError(null);
      setLoadProblem(null);
      revalidate();
    } catch (error) {
      setLoadProblem(toProblem(error));
    } finally {
      setLoading(false);
    }
  }, [api, schemeId, revalidate, setScheme, setGraph, setHistory]);

  useEffect(() => {
    void reload();
  }, [reload]);

  const markConflict = useCallback((c: Conflict) => {
    genRef.current++;
    conflictRef.current = true;
    setConflict(c);
  }, []);

  /** Apply locally, then send in order; `onFail` undoes the bookkeeping of a refused action. */
  const run = useCallback(
    (forward: Command[], onFail: () => void): boolean => {
      if (readOnlyRef.current || conflictRef.current || !schemeRef.current || forward.length === 0) return false;
      let next: Graph;
      try {
        next = applyAll(graphRef.current, forward);
      } catch (error) {
        setEditError([error instanceof Error ? error.message : String(error)]);
        return false;
      }
      setEditError(null);
      setGraph(next);
      const gen = genRef.current;
      pendingRef.current++;
      setPending(pendingRef.current);
      queueRef.current = queueRef.current.then(async () => {
        try {
          if (gen !== genRef.current || conflictRef.current) return;
          for (const cmd of forward) {
            const answer = await api.send(schemeId, schemeRef.current!.version, cmd);
            setScheme(answer);
          }
        } catch (error) {
          const problem = classifyProblem(toProblem(error));
          onFail();
          if (problem.kind === 'conflict') {
            markConflict(problem);
          } else {
            genRef.current++; // the edits queued after this one built on it: drop them
            setEditError(problem.kind === 'invalid' ? problem.messages : [problem.detail]);
            if (schemeRef.current) setGraph(schemeRef.current.graph);
          }
        } finally {
          pendingRef.current--;
          setPending(pendingRef.current);
          if (pendingRef.current === 0 && !conflictRef.current && schemeRef.current) {
            setGraph(schemeRef.current.graph);
            revalidate();
          }
        }
      });
      return true;
    },
    [api, schemeId, markConflict, revalidate, setGraph, setScheme],
  );

  const drop = (entry: HistoryEntry) => {
    const h = historyRef.current;
    setHistory({ past: h.past.filter((e) => e !== entry), future: h.future.filter((e) => e !== entry) });
  };

  const perform = useCallback(
    (label: string, forward: Command[]): boolean => {
      if (readOnlyRef.current || conflictRef.current) return false;
      let entry: HistoryEntry;
      try {
        entry = entryFor(graphRef.current, label, forward);
      } catch (error) {
        setEditError([error instanceof Error ? error.message : String(error)]);
        return false;
      }
      const before = historyRef.current;
      if (!run(forward, () => drop(entry))) return false;
      setHistory(record(before, entry));
      return true;
    },
    [run, setHistory],
  );

  const undo = useCallback(() => {
    const step = undoStep(historyRef.current);
    if (!step) return;
    if (run(step.entry.inverse, () => drop(step.entry))) setHistory(step.history);
  }, [run, setHistory]);

  const redo = useCallback(() => {
    const step = redoStep(historyRef.current);
    if (!step) return;
    if (run(step.entry.forward, () => drop(step.entry))) setHistory(step.history);
  }, [run, setHistory]);

  const exclusive = useCallback(<T,>(write: (version: number) => Promise<T>): Promise<T> => {
    const result = queueRef.current.then(() => {
      if (!schemeRef.current) throw new Error('the scheme is not loaded');
      return write(schemeRef.current.version);
    });
    queueRef.current = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }, []);

  const updateScheme = useCallback(
    (patch: Partial<Scheme>) => {
      if (schemeRef.current) setScheme({ ...schemeRef.current, ...patch });
    },
    [setScheme],
  );

  return {
    scheme,
    graph,
    loadProblem,
    loading,
    pending,
    conflict,
    editError,
    clearEditError: useCallback(() => setEditError(null), []),
    history,
    validation,
    perform,
    undo,
    redo,
    reload,
    revalidate,
    exclusive,
    updateScheme,
    markConflict,
    currentGraph: useCallback(() => graphRef.current, []),
  };
}
