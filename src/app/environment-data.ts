import { isLocked } from '../domain/environment-status.js';
import { assertDataAccessible, type Environment } from '../domain/environment.js';
import type { EnvironmentDatabase } from '../ports/data-plane.js';
import { unwrapDek } from '../crypto/envelope.js';
import type { AppDeps } from './deps.js';

/**
 * The one way into an environment's data: refused while locked (423) or re-protected (503);
 * otherwise the data plane opens the database, unwrapping the DEK only when no handle is open.
 */
export function withEnvironmentData<T>(deps: AppDeps, env: Environment, work: (db: EnvironmentDatabase) => T): Promise<T> {
  // A locked environment's handle must not outlive the lock in this process, even for a moment.
  if (isLocked(env.encryption.status)) deps.dataPlane.evict(env.id);
  assertDataAccessible(env);
  return deps.dataPlane.use(env.id, () => unwrapDek(deps.vault, env.wrappedDek, env.id, env.encryption.keyId), work);
}
