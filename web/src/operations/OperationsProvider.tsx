import { useCallback, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { unwrap } from '../api/client';
import type { Operation } from '../api/types';
import { useConnection } from '../session/ConnectionContext';
import { OperationsContext, type Operations, type TrackedOperation } from './OperationsContext';

/** How often a running operation is asked about; short enough to feel live, long enough to be cheap. */
const POLL_MS = 500;

const changed = (a: Operation, b: Operation) => a.status !== b.status || a.progress.done !== b.progress.done || a.progress.total !== b.progress.total;

export function OperationsProvider({ children }: { children: ReactNode }) {
  const { api } = useConnection();
  const [tracked, setTracked] = useState<TrackedOperation[]>([]);
  const [revision, setRevision] = useState(0);
  const refresh = useCallback(() => setRevision((r) => r + 1), []);

  const track = useCallback((operation: Operation, label: string) => {
    setTracked((list) => [{ operation, label }, ...list.filter((t) => t.operation.id !== operation.id)]);
    setRevision((r) => r + 1);
  }, []);
  const dismiss = useCallback((id: string) => setTracked((list) => list.filter((t) => t.operation.id !== id)), []);

  // Polls every running operation; the ref lets one timer serve however many there are.
  const trackedRef = useRef(tracked);
  trackedRef.current = tracked;
  const anyRunning = tracked.some((t) => t.operation.status === 'running');
  useEffect(() => {
    if (!anyRunning) return;
    let stopped = false;
    // One question per operation at a time: a slow server must not collect a queue of polls.
    const asking = new Set<string>();
    const timer = setInterval(() => {
      for (const { operation } of trackedRef.current) {
        if (operation.status !== 'running' || asking.has(operation.id)) continue;
        asking.add(operation.id);
        unwrap(api.GET('/v1/operations/{operationId}', { params: { path: { operationId: operation.id } } }))
          .then(
            (latest) => {
              if (stopped || !changed(operation, latest)) return;
              setTracked((list) => list.map((t) => (t.operation.id === latest.id ? { ...t, operation: latest } : t)));
              setRevision((r) => r + 1);
            },
            () => undefined, // A missed poll is retried on the next tick.
          )
          .finally(() => asking.delete(operation.id));
      }
    }, POLL_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [anyRunning, api]);

  const value = useMemo<Operations>(() => ({ tracked, revision, track, dismiss, refresh }), [tracked, revision, track, dismiss, refresh]);
  return <OperationsContext.Provider value={value}>{children}</OperationsContext.Provider>;
}
