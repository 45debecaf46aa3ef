import type { ErrorCode } from './errors.js';
import type { EncryptionMode } from './environment.js';

/**
 * Long-running work (SPEC "Long operations"): answered 202, run by the durable runner.
 *
 * One map from each operation type to its input, like graphile-worker's task map: the request
 * half of a use case queues `OperationInputs[T]`, its run half receives exactly that, and the
 * registry of handlers is a full record over these keys, so a new type does not compile
 * without its handler (app/operation-handlers.ts). Every input names its region (all of them
 * change what protects a region's data, which is what serialises them) and the actor who asked,
 * for the audit entry of the outcome.
 */
interface RegionWork {
  region: string;
  /** How the requester appears in the audit log (never a token). */
  actor: string;
}

export interface OperationInputs {
  'activate-key': RegionWork & { keyId: string };
  'unlock-key': RegionWork & { keyId: string };
  'lock-tenant': RegionWork & { keyId: string };
  'apply-tenant-key': RegionWork & { environmentId: string; keyId: string };
  'return-to-provider': RegionWork & { environmentId: string };
  'unlock-environment': RegionWork & { environmentId: string };
  restore: RegionWork & { environmentId: string; sourceEnvironmentId: string; backupId: string };
  copy: RegionWork & { environmentId: string; sourceEnvironmentId: string };
  /**
   * `dekDigest` names the wrapped DEK the environment had when the reset was asked for, so a
   * re-run can tell whether the shred committed without a wrapped key in this table.
   */
  reset: RegionWork & { environmentId: string; mode: EncryptionMode; dekDigest: string };
  /** A new latest engine key version for an external engine (`fromVersion` + 1); every older one stays served. */
  'rotate-engine-key': RegionWork & { environmentId: string; fromVersion: number };
}

export type OperationType = keyof OperationInputs;

/** Every type, in the order the runner prefers nothing by: the list `satisfies` the map. */
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
  'rotate-engine-key',
] as const satisfies readonly OperationType[];

// A type added to the map but not to the list fails here.
type Missing = Exclude<OperationType, (typeof OPERATION_TYPES)[number]>;
const allListed: [Missing] extends [never] ? true : Missing = true;
void allListed;

export type OperationStatus = 'running' | 'succeeded' | 'failed';

interface OperationBase {
  id: string;
  tenantId: string;
  status: OperationStatus;
  progress: { done: number; total: number };
  error: null | { code: ErrorCode; detail: string };
  createdAt: Date;
  finishedAt: Date | null;
  /** What a finished operation reports beyond its status (a lock: what it destroyed); null otherwise. */
  result: OperationResult | null;
}

/** JSON-safe facts an operation reports when it finishes (API.md: `result`). */
export type OperationResult = { [name: string]: OperationResultValue };
type OperationResultValue = string | number | boolean | null | OperationResultValue[] | { [name: string]: OperationResultValue };

/** An operation of one type, with that type's input. */
export type OperationOf<T extends OperationType> = OperationBase & { type: T; input: OperationInputs[T] };

/** Any operation: a union discriminated by `type`, so `op.type === 'restore'` narrows `op.input`. */
export type Operation = { [T in OperationType]: OperationOf<T> }[OperationType];

/** The region-wide key operations: while one runs, nothing else may change the region's keys. */
export const REGION_WIDE_OPERATIONS: readonly OperationType[] = ['activate-key', 'lock-tenant', 'unlock-key'];

/**
 * Operations that replace an environment's database file (their `environmentId`): a restore's
 * or copy's target, a reset, and a change of protection, which re-keys it (L4).
 */
export const REPLACING_OPERATIONS: readonly OperationType[] = ['restore', 'copy', 'reset', 'apply-tenant-key', 'return-to-provider'];

/** The environments an operation works on (its target, and a copy's or restore's source). */
export function environmentsOf(op: Operation): string[] {
  switch (op.type) {
    case 'restore':
    case 'copy':
      return [op.input.environmentId, op.input.sourceEnvironmentId];
    case 'apply-tenant-key':
    case 'return-to-provider':
    case 'unlock-environment':
    case 'reset':
    case 'rotate-engine-key':
      return [op.input.environmentId];
    case 'activate-key':
    case 'unlock-key':
    case 'lock-tenant':
      return [];
  }
}
