import { isLocked } from '../domain/environment-status.js';
import { assertEmbedded } from '../domain/engine.js';
import { assertDataAccessible, type Environment } from '../domain/environment.js';
import type { EnvironmentDatabase } from '../ports/data-plane.js';
import { unwrapDek } from '../crypto/envelope.js';
import type { AppDeps } from './deps.js';

/**
 * The one way into an environment's data: refused for an external engine's environment (its
 * engine holds the data, SPEC E6), while locked (423) or re-protected (503);
 * otherwise the data plane opens the database, unwrapping the DEK only when no handle is open.
 */
export function withEnvironmentData<T>(deps: AppDeps, env: Environment, work: (db: EnvironmentDatabase) => T): Promise<T> {
  assertEmbedded(env, 'its tables and rows');
  // A locked environment's handle must not outlive the lock in this process, even for a moment.
  if (isLocked(env.encryption.status)) deps.dataPlane.evict(env.id);
  assertDataAccessible(env);
  return deps.dataPlane.use(env.id, () => unwrapDek(deps.vault, env.wrappedDek, env.id, env.encryption.keyId), work);
}
