import { fail } from '../../domain/errors.js';
import { environmentsOf, REGION_WIDE_OPERATIONS, type Operation } from '../../domain/operation.js';
import type { Repos } from '../../ports/store.js';

/**
 * Which running operations an action may not overlap with, in one place. Called inside a unit
 * of work that holds the region's serial lock (app/region.ts), so no operation of the region can
 * be queued between this check and the caller's commit.
 *
 * - A region-wide key action (activate, lock, unlock key) overlaps with any operation of the
 *   region: each changes which key protects the region's environments.
 * - An environment action overlaps with the region-wide ones, and with any operation that
 *   works on one of the same environments (a copy reading an environment a restore replaces).
 */
export type OperationScope = { regionWide: true } | { environments: readonly string[] };

export async function assertNoClashingOperation(
  tx: Pick<Repos, 'operations'>,
  tenantId: string,
  region: string,
  scope: OperationScope,
): Promise<void> {
  const clash = (await tx.operations.listRunning(tenantId)).find((op) => clashes(op, region, scope));
  if (clash) fail('CONFLICT', `A ${clash.type} operation (${clash.id}) is still running in region ${region}; wait for it to finish.`);
}

function clashes(op: Operation, region: string, scope: OperationScope): boolean {
  // An environment operation is filed under its target's region; its source may be elsewhere.
  if (!('regionWide' in scope) && environmentsOf(op).some((id) => scope.environments.includes(id))) return true;
  if (op.input.region !== region) return false;
  return 'regionWide' in scope || REGION_WIDE_OPERATIONS.includes(op.type);
}

/** Whether a lock of the region is still running (R15: "not while a lock is still in progress"). */
export async function lockRunning(tx: Pick<Repos, 'operations'>, tenantId: string, region: string): Promise<boolean> {
  return (await tx.operations.listRunning(tenantId)).some((op) => op.type === 'lock-tenant' && op.input.region === region);
}
