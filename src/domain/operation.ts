import type { ErrorCode } from './errors.js';

/** Long-running work (SPEC "Long operations"): returned as 202, run by the durable runner. */
export const OPERATION_TYPES = [
  'activate-key',
  'unlock-key',
  'lock-tenant',
  'apply-tenant-key',
  'return-to-provider',
  'unlock-environment',
  'restore',
  'copy',
  'reset',
] as const;
export type OperationType = (typeof OPERATION_TYPES)[number];
export type OperationStatus = 'running' | 'succeeded' | 'failed';

export interface Operation {
  id: string;
  tenantId: string;
  type: OperationType;
  status: OperationStatus;
  progress: { done: number; total: number };
  error: null | { code: ErrorCode; detail: string };
  /** Type-specific input (ids, region, actor), as JSON-safe data. */
  input: Record<string, string | number | boolean | null>;
  createdAt: Date;
  finishedAt: Date | null;
}
