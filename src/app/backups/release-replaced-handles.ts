import type { AppDeps } from '../deps.js';
import { REPLACING_OPERATIONS } from '../../domain/operation.js';

/**
 * Every instance, on its sweep: drops its open handle of an environment whose database a
 * restore, copy or reset (run by whichever instance claimed it) is about to replace. That
 * instance waits until no connection anywhere has the old file open before it renames the new
 * one in (a stale connection closing later would delete the new file's -wal and -shm by name).
 * Only environments that are `updating` are looked at, and only those cost an operation query.
 */
export async function releaseReplacedHandles(deps: Pick<AppDeps, 'store' | 'dataPlane'>): Promise<number> {
  let released = 0;
  for (const id of deps.dataPlane.openEnvironmentIds()) {
    const env = await deps.store.environments.get(id);
    if (env?.encryption.status !== 'updating') continue;
    const running = await deps.store.operations.listRunning(env.tenantId);
    if (!running.some((op) => REPLACING_OPERATIONS.includes(op.type) && 'environmentId' in op.input && op.input.environmentId === id)) continue;
    deps.dataPlane.evict(id);
    released++;
  }
  return released;
}
