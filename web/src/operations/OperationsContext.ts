import { createContext, useContext } from 'react';
import type { Operation } from '../api/types';

export interface TrackedOperation {
  operation: Operation;
  /** What the person started, in their words: "Activate key Contoso 2024". */
  label: string;
}

/**
 * Long operations started in this tab, and a revision that moves whenever the state they change
 * may have moved (progress, completion, or any other change a page made): pages reload on it,
 * so new states appear without a page reload.
 */
export interface Operations {
  tracked: TrackedOperation[];
  revision: number;
  track: (operation: Operation, label: string) => void;
  dismiss: (operationId: string) => void;
  refresh: () => void;
}

export const OperationsContext = createContext<Operations | null>(null);

export function useOperations(): Operations {
  const operations = useContext(OperationsContext);
  if (!operations) throw new Error('useOperations outside OperationsProvider');
  return operations;
}
