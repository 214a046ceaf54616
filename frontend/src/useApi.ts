import { useCallback, useEffect, useState } from 'react';
import { toProblem, type Problem } from './api';

export interface Loadable<T> {
  data: T | undefined;
  problem: Problem | null;
  loading: boolean;
  reload: () => void;
}

/** Run `load` when `key` changes; a stale answer (key changed meanwhile) is dropped. */
export function useApi<T>(load: (() => Promise<T>) | null, key: string): Loadable<T> {
  const [state, setState] = useState<{ key: string; data?: T; problem: Problem | null; loading: boolean }>({
    key,
    problem: null,
    loading: load !== null,
  });
  const [attempt, setAttempt] = useState(0);
  const reload = useCallback(() => setAttempt((n) => n + 1), []);

  useEffect(() => {
    if (!load) return;
    let live = true;
    setState((s) => ({ key, data: s.key === key ? s.data : undefined, problem: null, loading: true }));
    load().then(
      (data) => live && setState({ key, data, problem: null, loading: false }),
      (error: unknown) => live && setState({ key, problem: toProblem(error), loading: false }),
    );
    return () => {
      live = false;
    };
    // `load` is a fresh closure each render; `key` names what it loads.
  }, [key, attempt]);

  const current = state.key === key;
  return {
    data: current ? state.data : undefined,
    problem: current ? state.problem : null,
    loading: load !== null && (!current || state.loading),
    reload,
  };
}
