import { fail } from '../../domain/errors.js';
import { assertLockAllowed, lastKeyChange } from '../../domain/key-gates.js';
import type { Principal } from '../../domain/principal.js';
import type { Operation } from '../../domain/operation.js';
import type { AppDeps } from '../deps.js';
import { actorLabel, audited, auditSuccess } from '../attempts.js';
import { withPasswordAttempt } from '../password-attempts.js';
import { queueKeyChangeNotification } from '../notify/queue-key-change.js';
import { activeKeyOf, assertNoRegionOperation, keyAttempt, loadKeyTenant, queueOperation } from './key-access.js';
import { lockChallengeText } from './lock-challenge.js';

export interface LockInput {
  region: string;
  file: Buffer;
  password: string;
  confirmation: string;
}

/**
 * R13: locks every tenant-key environment of a region. The caller proves possession of the
 * active key (its .pfx and password) and types the challenge. The environments go `locking`
 * at once (data answers 423 from this moment); the operation then destroys every Active and
 * Available private key of the region in the vault and marks the environments `locked`.
 */
export function lockTenant(deps: AppDeps, actor: Principal, tenantId: string, input: LockInput): Promise<{ operation: Operation }> {
  return audited(deps, actor, keyAttempt(deps, tenantId, 'tenant.lock', `region:${input.region}`), async () => {
    const tenant = await loadKeyTenant(deps.store, actor, tenantId, input.region);
    const active =
      (await activeKeyOf(deps.store, tenantId, input.region)) ??
      fail('NO_ACTIVE_KEY', `Region ${input.region} has no active tenant key, so there is nothing to lock.`);
    if (input.confirmation !== lockChallengeText(tenant, input.region, active)) {
      fail('CONFIRMATION_MISMATCH', 'The confirmation does not match the text shown by lock-challenge; type it exactly.');
    }
    const now = deps.clock.now();
    assertLockAllowed(lastKeyChange(await deps.store.keys.listByTenant(tenantId, input.region)), now);
    const proof = await withPasswordAttempt(deps, actor, tenantId, () => deps.keyFiles.work.provePfx(tenantId, input.file, input.password));
    if (proof.thumbprint !== active.thumbprint) {
      fail('KEY_MISMATCH', `The uploaded key is not the active key "${active.name}" of region ${input.region}; upload that key's .pfx.`);
    }

    const result = await deps.store.transaction(async (tx) => {
      const stillActive = await activeKeyOf(tx, tenantId, input.region);
      if (stillActive?.id !== active.id) fail('CONFLICT', 'The active key changed meanwhile; fetch the lock challenge again.');
      await assertNoRegionOperation(tx, tenantId, input.region, true);
      const locking = await tx.environments.moveRegionStatus(tenantId, input.region, ['ready'], 'locking');
      const operation = await queueOperation(tx, deps, tenantId, 'lock-tenant', { region: input.region, keyId: active.id, actor: actorLabel(actor) });
      await auditSuccess(
        tx,
        deps,
        actor,
        { tenantId, action: 'tenant.lock', target: `region:${input.region}` },
        `${locking} environment(s); operation ${operation.id}`,
      );
      await queueKeyChangeNotification(tx, {
        tenantId,
        idempotencyKey: `${operation.id}:locked`,
        tenantName: tenant.name,
        actor: actorLabel(actor),
        action: 'locked',
        keyName: active.name,
        thumbprint: active.thumbprint,
        region: input.region,
        at: now,
      });
      return { operation };
    });
    // This instance drops its open handles at once; others do on their next sweep.
    for (const env of await deps.store.environments.listByTenant(tenantId)) {
      if (env.region === input.region && env.encryption.mode === 'tenant') deps.dataPlane.evict(env.id);
    }
    deps.kick.operations();
    deps.kick.notifications();
    return result;
  });
}
