import type { Environment } from '../../domain/environment.js';
import type { Principal } from '../../domain/principal.js';
import type { Repos } from '../../ports/store.js';
import type { AppDeps } from '../deps.js';
import type { Attempt } from '../audit.js';
import { loadEnvironmentFor } from '../load.js';

/** Environment encryption actions: tenant admins or that environment's env-admin (R19). */
export const loadEnvironmentForEncryption = (repos: Pick<Repos, 'environments'>, actor: Principal, environmentId: string): Promise<Environment> =>
  loadEnvironmentFor(repos, actor, environmentId, 'encryption.manage');

/** The audit target of an environment action; only environments that exist have a tenant log to write to. */
export function environmentAttempt(deps: Pick<AppDeps, 'store'>, environmentId: string, action: string): () => Promise<Attempt | undefined> {
  return async () => {
    const env = await deps.store.environments.get(environmentId);
    return env ? { tenantId: env.tenantId, action, target: `environment:${environmentId}` } : undefined;
  };
}

/**
 * An environment action's unit of work: the environment is read first to learn its region, then
 * read again, with the caller's rights checked again, under the region's serial lock (L1), and
 * `work` decides on that second reading.
 */
export async function inEnvironmentRegion<T>(
  deps: Pick<AppDeps, 'store'>,
  actor: Principal,
  environmentId: string,
  load: (repos: Pick<Repos, 'environments'>, actor: Principal, id: string) => Promise<Environment>,
  work: (tx: Repos, env: Environment) => Promise<T>,
): Promise<T> {
  const early = await load(deps.store, actor, environmentId);
  return deps.store.transaction(async (tx) => {
    await tx.locks.region(early.tenantId, early.region);
    return work(tx, await load(tx, actor, environmentId));
  });
}
