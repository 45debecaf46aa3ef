import type { Environment } from '../../domain/environment.js';
import { purgeDueAt } from '../../domain/key-gates.js';
import type { Tenant } from '../../domain/tenant.js';
import type { AppDeps } from '../deps.js';
import { queuePurgeNotification } from '../notify/purge-notification.js';
import { removeEnvironmentFiles } from './remove-environment-files.js';
import { recordAudit } from '../audit.js';
import { inRegion } from '../region.js';

type PurgeDeps = Pick<AppDeps, 'store' | 'dataPlane' | 'clock' | 'vault'>;

/**
 * R14: every environment still locked 28 days after its lock is deleted, data and backups
 * crypto-shredded, with an audit entry and an e-mail to the tenant's admins. Runs on every
 * instance (jobs/purge-scheduler.ts); the compare-and-set from `locked` to `deleted` lets
 * exactly one of them purge each environment. "Now" is the app clock, so the dev clock
 * moves purges forward like every other time rule. Returns the ids this call purged.
 */
export async function purgeLockedEnvironments(deps: PurgeDeps): Promise<string[]> {
  const now = deps.clock.now();
  const purged: string[] = [];
  for (const tenant of await deps.store.tenants.list()) {
    // Most tenants have nothing locked: one indexed count each instead of listing environments.
    if ((await deps.store.environments.countLocked(tenant.id)) === 0) continue;
    for (const env of await deps.store.environments.listByTenant(tenant.id)) {
      if (env.encryption.status !== 'locked' || env.lockedAt === null || now.getTime() < purgeDueAt(env.lockedAt).getTime()) continue;
      if (await purgeEnvironment(deps, tenant, env, now)) purged.push(env.id);
    }
  }
  return purged;
}

async function purgeEnvironment(deps: PurgeDeps, tenant: Tenant, env: Environment, now: Date): Promise<boolean> {
  const lockedAt = env.lockedAt!;
  const won = await inRegion(deps, env.tenantId, env.region, async (tx) => {
    // An unlock that started meanwhile (status `unlocking`) wins: nothing is purged then.
    if (!(await tx.environments.shred(env.id, 'purge'))) return false;
    const backups = await tx.backups.deleteByEnvironment(env.id);
    await recordAudit(tx, deps, {
      tenantId: env.tenantId,
      actor: 'keyward',
      action: 'environment.purge',
      target: `environment:${env.id}`,
      outcome: 'succeeded',
      detail: `locked since ${lockedAt.toISOString()}, not unlocked within 28 days; data and ${backups} backup(s) shredded`,
    });
    await queuePurgeNotification(tx, env.tenantId, {
      tenantName: tenant.name,
      environmentName: env.name,
      environmentId: env.id,
      region: env.region,
      lockedAt,
      purgedAt: now,
      backups,
    });
    return true;
  });
  // The instance that lost the race removes the files too: removal is idempotent, and the
  // winner may have crashed right after its commit.
  const after = won ? undefined : await deps.store.environments.get(env.id);
  if (won || after?.encryption.status === 'deleted') await removeEnvironmentFiles(deps, env.id);
  return won;
}
