import { fail } from '../../domain/errors.js';
import { assertActivationAllowed, assertNoLockedEnvironments } from '../../domain/key-gates.js';
import type { Principal } from '../../domain/principal.js';
import { moveKey, type TenantKey } from '../../domain/tenant-key.js';
import type { Operation } from '../../domain/operation.js';
import type { Repos } from '../../ports/store.js';
import type { AppDeps } from '../deps.js';
import { actorLabel, audited, auditSuccess } from '../attempts.js';
import { queueKeyChangeNotification } from '../notify/queue-key-change.js';
import { assertNoRegionOperation, assertRiskAcknowledged, keyAttempt, loadKeyOfTenant, loadKeyTenant, queueOperation } from './key-access.js';

/** When a key was last activated in a region: what the 24 h gate (R8) counts from. */
export async function lastActivation(repos: Repos, tenantId: string, region: string): Promise<Date | null> {
  const times = (await repos.keys.listByTenant(tenantId, region)).map((k) => k.activatedAt?.getTime() ?? 0);
  const latest = Math.max(0, ...times);
  return latest === 0 ? null : new Date(latest);
}

/**
 * R7: the key goes Installing; the activation operation rewraps every tenant-key DEK of the
 * region under it (no downtime: data stays readable throughout), then makes it Active and the
 * previous key Available.
 */
export function activateKey(
  deps: AppDeps,
  actor: Principal,
  tenantId: string,
  keyId: string,
  acknowledgeRisk: boolean,
): Promise<{ key: TenantKey; operation: Operation }> {
  return audited(deps, actor, keyAttempt(deps, tenantId, 'key.activate', `key:${keyId}`), async () => {
    const tenant = await loadKeyTenant(deps.store, actor, tenantId);
    assertRiskAcknowledged(acknowledgeRisk);
    const result = await deps.store.transaction(async (tx) => {
      const key = await loadKeyOfTenant(tx, tenantId, keyId);
      if (key.state !== 'Available') fail('CONFLICT', `Key "${key.name}" is ${key.state}; only an Available key can be activated.`);
      assertNoLockedEnvironments(await tx.environments.countByStatus(tenantId, 'locked'));
      await assertNoRegionOperation(tx, tenantId, key.region);
      const now = deps.clock.now();
      assertActivationAllowed(await lastActivation(tx, tenantId, key.region), now);
      const installing = moveKey(key, 'Installing');
      await tx.keys.update(installing);
      const operation = await queueOperation(tx, deps, tenantId, 'activate-key', { keyId, region: key.region, actor: actorLabel(actor) });
      await auditSuccess(tx, deps, actor, { tenantId, action: 'key.activate', target: `key:${keyId}` }, `operation ${operation.id}`);
      await queueKeyChangeNotification(tx, {
        tenantId,
        idempotencyKey: `${operation.id}:activated`,
        tenantName: tenant.name,
        actor: actorLabel(actor),
        action: 'activated',
        keyName: key.name,
        thumbprint: key.thumbprint,
        region: key.region,
        at: now,
      });
      return { key: installing, operation };
    });
    deps.kick.operations();
    deps.kick.notifications();
    return result;
  });
}
