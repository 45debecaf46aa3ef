import { fail } from '../../domain/errors.js';
import { assertUnlockAllowed } from '../../domain/key-gates.js';
import type { Principal } from '../../domain/principal.js';
import { moveKey, type TenantKey } from '../../domain/tenant-key.js';
import type { OperationOf } from '../../domain/operation.js';
import type { Tenant } from '../../domain/tenant.js';
import type { KeyFileKey } from '../../crypto/key-files/index.js';
import type { OperationContext } from '../../jobs/operation-handler.js';
import type { Repos } from '../../ports/store.js';
import type { AppDeps } from '../deps.js';
import { actorLabel, audited, recordAudit } from '../audit.js';
import { withPasswordAttempt } from '../password-attempts.js';
import { queueKeyChangeNotification } from '../notify/queue-key-change.js';
import { assertNoClashingOperation, lockRunning } from '../operations/conflicts.js';
import { queueOperation } from '../operations/queue-operation.js';
import { inRegion } from '../region.js';
import { activeKeyOf, keyAttempt, loadKeyOfTenant, loadKeyTenant } from './key-access.js';
import { reclaimCustody } from './reclaim-custody.js';

/** R15's gates, under the region's lock: Locked, an hour after the lock, the lock finished, no other key active. */
async function assertMayUnlock(deps: AppDeps, tx: Pick<Repos, 'keys' | 'operations'>, key: TenantKey): Promise<void> {
  assertUnlockAllowed(key, await lockRunning(tx, key.tenantId, key.region), deps.clock.now());
  const other = await activeKeyOf(tx, key.tenantId, key.region);
  if (other) fail('CONFLICT', `Region ${key.region} has another active key ("${other.name}") now; "${key.name}" cannot become active again.`);
}

/**
 * R15: brings the key that locked the tenant back. Only that key (same thumbprint) works, at
 * least 1 hour after the lock and never while it is still running. Custody is taken as for a new
 * key (add-tenant-key.ts): first the record goes Restoring (the intent), then, under the region's
 * lock, the private half goes into the vault and the key goes Installing with its operation, the
 * audit entry and the admins' e-mail in one commit. The operation makes it Active; the locked
 * environments stay locked until each is unlocked on its own.
 */
export function unlockKey(
  deps: AppDeps,
  actor: Principal,
  tenantId: string,
  keyId: string,
  input: { file: Buffer; password: string },
): Promise<{ key: TenantKey; operation: OperationOf<'unlock-key'> }> {
  return audited(deps, actor, keyAttempt(deps, tenantId, 'key.unlock', `key:${keyId}`), async () => {
    const tenant = await loadKeyTenant(deps.store, actor, tenantId);
    const early = await loadKeyOfTenant(deps.store, tenantId, keyId);
    await assertMayUnlock(deps, deps.store, early);
    const proof = await withPasswordAttempt(deps, actor, tenantId, () => deps.keyFiles.work.readPfx(tenantId, input.file, input.password));
    if (proof.thumbprint !== early.thumbprint) {
      fail('KEY_MISMATCH', `The uploaded key is not "${early.name}", the key that locked region ${early.region}; upload that key's .pfx.`);
    }
    const { region } = early;
    await inRegion(deps, tenantId, region, async (tx) => {
      const key = await loadKeyOfTenant(tx, tenantId, keyId);
      await assertMayUnlock(deps, tx, key);
      await tx.keys.update(moveKey(key, 'Restoring', { custodySince: deps.realClock.now() }));
    });
    deps.faults.reach('unlock-key.after-intent');
    try {
      const result = await restoreCustody(deps, actor, tenant, keyId, region, proof);
      deps.kick.operations();
      deps.kick.notifications();
      return result;
    } catch (error) {
      await inRegion(deps, tenantId, region, async (tx) => {
        const current = await tx.keys.get(keyId);
        if (current) await reclaimCustody(deps, tx, current);
      }).catch(() => undefined); // the next start's reconciliation does it then
      throw error;
    }
  });
}

function restoreCustody(deps: AppDeps, actor: Principal, tenant: Tenant, keyId: string, region: string, proof: KeyFileKey) {
  return inRegion(deps, tenant.id, region, async (tx) => {
    const key = await tx.keys.get(keyId);
    if (key?.state !== 'Restoring') fail('CONFLICT', `The key is ${key?.state ?? 'gone'} now; it is being or has been unlocked.`);
    await assertNoClashingOperation(tx, tenant.id, region, { regionWide: true });
    await deps.vault.importPrivateKey(keyId, proof.privateKey);
    deps.faults.reach('unlock-key.after-vault-import');
    const installing = moveKey(key!, 'Installing', { custodySince: null });
    await tx.keys.update(installing);
    const operation = await queueOperation(tx, deps, tenant.id, 'unlock-key', { keyId, region, actor: actorLabel(actor) });
    await recordAudit(tx, deps, {
      tenantId: tenant.id,
      action: 'key.unlock',
      target: `key:${keyId}`,
      actor,
      outcome: 'allowed',
      detail: `operation ${operation.id}`,
    });
    await queueKeyChangeNotification(tx, {
      tenantId: tenant.id,
      idempotencyKey: `${operation.id}:unlocked`,
      tenantName: tenant.name,
      actor: actorLabel(actor),
      action: 'unlocked',
      keyName: installing.name,
      thumbprint: installing.thumbprint,
      region,
      at: deps.clock.now(),
    });
    return { key: installing, operation };
  });
}

/**
 * The run half of R15's key unlock: the returned key (already back in the vault) goes
 * Installing → Active, with its audit entry, under the region's lock. A key that can no longer
 * become active (another key is active now) goes back to Locked, its private half destroyed.
 */
export async function runUnlockKey(deps: AppDeps, ctx: OperationContext<'unlock-key'>): Promise<void> {
  const { keyId, region } = ctx.op.input;
  const key = (await deps.store.keys.get(keyId)) ?? fail('NOT_FOUND', 'The key being unlocked no longer exists.');
  if (key.state === 'Active') return;
  if (key.state !== 'Installing') fail('CONFLICT', `The key is ${key.state}; the unlock cannot finish.`);
  if (!(await deps.vault.hasPrivateKey(key.id))) throw new Error('The vault does not hold the returned key yet; retrying.');
  const refused = await inRegion(deps, key.tenantId, region, async (tx) => {
    const current = await tx.keys.get(keyId);
    if (current?.state !== 'Installing') return undefined;
    const now = deps.clock.now();
    const other = await activeKeyOf(tx, key.tenantId, region);
    if (other) {
      await deps.vault.destroyPrivateKey(keyId);
      await tx.keys.update(moveKey(current, 'Locked'));
      return `Region ${region} has another active key ("${other.name}") now; "${current.name}" stays locked.`;
    }
    await tx.keys.update(moveKey(current, 'Active', { activatedAt: now, lockedAt: null }));
    await recordAudit(tx, deps, {
      tenantId: key.tenantId,
      action: 'key.unlock',
      target: `key:${key.id}`,
      actor: ctx.op.input.actor,
      outcome: 'succeeded',
      detail: `operation ${ctx.op.id}`,
    });
    return undefined;
  });
  if (refused) fail('CONFLICT', refused);
}
