import { fail } from '../../domain/errors.js';
import { assertUnlockAllowed } from '../../domain/key-gates.js';
import type { Principal } from '../../domain/principal.js';
import { moveKey, type TenantKey } from '../../domain/tenant-key.js';
import type { Operation } from '../../domain/operation.js';
import type { AppDeps } from '../deps.js';
import { actorLabel, audited, auditSuccess } from '../attempts.js';
import { withPasswordAttempt } from '../password-attempts.js';
import { queueKeyChangeNotification } from '../notify/queue-key-change.js';
import { keyAttempt, loadKeyOfTenant, loadKeyTenant, queueOperation } from './key-access.js';

/**
 * R15: brings the key that locked the tenant back. Only that key (same thumbprint) works, at
 * least 1 hour after the lock and never while it is still running. The key goes Installing,
 * then Active; the locked environments stay locked until each is unlocked on its own.
 */
export function unlockKey(
  deps: AppDeps,
  actor: Principal,
  tenantId: string,
  keyId: string,
  input: { file: Buffer; password: string },
): Promise<{ key: TenantKey; operation: Operation }> {
  return audited(deps, actor, keyAttempt(deps, tenantId, 'key.unlock', `key:${keyId}`), async () => {
    const tenant = await loadKeyTenant(deps.store, actor, tenantId);
    const key = await loadKeyOfTenant(deps.store, tenantId, keyId);
    const lockRunning = (await deps.store.operations.listRunning(tenantId)).some((op) => op.type === 'lock-tenant' && op.input.region === key.region);
    assertUnlockAllowed(key, lockRunning, deps.clock.now());
    const proof = await withPasswordAttempt(deps, actor, tenantId, () => deps.keyFiles.work.readPfx(tenantId, input.file, input.password));
    if (proof.thumbprint !== key.thumbprint) {
      fail('KEY_MISMATCH', `The uploaded key is not "${key.name}", the key that locked region ${key.region}; upload that key's .pfx.`);
    }
    await deps.vault.importPrivateKey(key.id, proof.privateKey);
    const result = await deps.store
      .transaction(async (tx) => {
        const current = await loadKeyOfTenant(tx, tenantId, keyId);
        if (current.state !== 'Locked') fail('CONFLICT', `Key "${key.name}" is ${current.state} now; it is being or has been unlocked.`);
        const installing = moveKey(current, 'Installing');
        await tx.keys.update(installing);
        const operation = await queueOperation(tx, deps, tenantId, 'unlock-key', { keyId, region: key.region, actor: actorLabel(actor) });
        await auditSuccess(tx, deps, actor, { tenantId, action: 'key.unlock', target: `key:${keyId}` }, `operation ${operation.id}`);
        const now = deps.clock.now();
        await queueKeyChangeNotification(tx, {
          tenantId,
          idempotencyKey: `${operation.id}:unlocked`,
          tenantName: tenant.name,
          actor: actorLabel(actor),
          action: 'unlocked',
          keyName: key.name,
          thumbprint: key.thumbprint,
          region: key.region,
          at: now,
        });
        return { key: installing, operation };
      })
      .catch(async (error: unknown) => {
        // A Locked key has no private half anywhere; if the unlock did not commit, keep it so.
        if ((await deps.store.keys.get(keyId))?.state === 'Locked') await deps.vault.destroyPrivateKey(keyId);
        throw error;
      });
    deps.kick.operations();
    deps.kick.notifications();
    return result;
  });
}
