import { useCallback, useEffect, useState } from 'react';
import { toProblem, type ApiProblem } from '../api/problem';
import { useOperations } from '../operations/OperationsContext';

/** How often a page re-reads something caught mid-change (a key Installing, an environment updating). */
const TRANSITION_POLL_MS = 1000;

export interface ApiData<T> {
  data: T | undefined;
  problem: ApiProblem | undefined;
  loading: boolean;
  reload: () => void;
}

/**
 * Loads on mount, when `deps` change, and whenever the operations revision moves; keeps the last
 * answer on screen while reloading (no flicker). With `pollWhile`, keeps re-reading while the
 * answer is in a transitional state, so changes started elsewhere also show without a reload.
 */
export function useApiData<T>(
  load: () => Promise<T>,
  deps: readonly unknown[],
  options: { pollWhile?: (data: T) => boolean; skip?: boolean } = {},
): ApiData<T> {
  const { revision } = useOperations();
  const [data, setData] = useState<T>();
  const [problem, setProblem] = useState<ApiProblem>();
  const [loading, setLoading] = useState(!options.skip);
  const [tick, setTick] = useState(0);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  const { pollWhile, skip } = options;

  useEffect(() => {
    if (skip) return;
    let current = true;
    setLoading(true);
    load().then(
      (value) => {
        if (!current) return;
        setData(value);
        setProblem(undefined);
        setLoading(false);
      },
      (error: unknown) => {
        if (!current) return;
        setProblem(toProblem(error));
        setLoading(false);
      },
    );
    return () => {
      current = false;
    };
    // `load` is a fresh closure each render on purpose: its inputs are what `deps` lists.
  }, [...deps, revision, tick, skip]);

  const transitional = data !== undefined && pollWhile !== undefined && pollWhile(data);
  useEffect(() => {
    if (!transitional) return;
    const timer = setTimeout(reload, TRANSITION_POLL_MS);
    return () => clearTimeout(timer);
  }, [transitional, data, reload]);

  return { data, problem, loading, reload };
}
