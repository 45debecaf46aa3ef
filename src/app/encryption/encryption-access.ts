import type { Environment } from '../../domain/environment.js';
import type { Principal } from '../../domain/principal.js';
import type { Repos } from '../../ports/store.js';
import type { AppDeps } from '../deps.js';
import type { Attempt } from '../attempts.js';
import { loadEnvironmentFor } from '../load.js';

/** Environment encryption actions: tenant admins or that environment's env-admin (R19). */
export const loadEnvironmentForEncryption = (repos: Repos, actor: Principal, environmentId: string): Promise<Environment> =>
  loadEnvironmentFor(repos, actor, environmentId, 'encryption.manage');

/** The audit target of an environment action; only environments that exist have a tenant log to write to. */
export function environmentAttempt(deps: AppDeps, environmentId: string, action: string): () => Promise<Attempt | undefined> {
  return async () => {
    const env = await deps.store.environments.get(environmentId);
    return env ? { tenantId: env.tenantId, action, target: `environment:${environmentId}` } : undefined;
  };
}
