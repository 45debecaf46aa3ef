import { assertEmbedded } from '../../domain/engine.js';
import type { Principal } from '../../domain/principal.js';
import type { Backup } from '../../ports/backup-store.js';
import type { AppDeps } from '../deps.js';
import { loadEnvironmentForDatabase } from './database-access.js';

/** The environment's backups, oldest first. Listed for a locked environment too: only metadata. */
export async function listBackups(deps: AppDeps, actor: Principal, environmentId: string): Promise<Backup[]> {
  const env = await loadEnvironmentForDatabase(deps.store, actor, environmentId);
  assertEmbedded(env, 'backups');
  return deps.store.backups.listByEnvironment(env.id);
}
