import { useCallback, useState } from 'react';
import { toProblem, type ApiProblem } from '../api/problem';

/**
 * One form submission: busy while it runs (the button cannot be pressed twice, which for key
 * actions would mean a second request), the problem if refused.
 */
export function useSubmit(action: () => Promise<void>): { busy: boolean; problem: ApiProblem | undefined; submit: () => void; clear: () => void } {
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<ApiProblem>();
  const submit = useCallback(() => {
    if (busy) return;
    setBusy(true);
    setProblem(undefined);
    action().then(
      () => setBusy(false),
      (error: unknown) => {
        setProblem(toProblem(error));
        setBusy(false);
      },
    );
  }, [action, busy]);
  const clear = useCallback(() => setProblem(undefined), []);
  return { busy, problem, submit, clear };
}
