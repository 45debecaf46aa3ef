import { fail } from '../../domain/errors.js';
import { assertLockAllowed, lastKeyChange } from '../../domain/key-gates.js';
import type { Principal } from '../../domain/principal.js';
import type { OperationOf } from '../../domain/operation.js';
import type { AppDeps } from '../deps.js';
import { actorLabel, audited, recordAudit } from '../audit.js';
import { withPasswordAttempt } from '../password-attempts.js';
import { queueKeyChangeNotification } from '../notify/queue-key-change.js';
import { assertNoClashingOperation } from '../operations/conflicts.js';
import { queueOperation } from '../operations/queue-operation.js';
import { inRegion } from '../region.js';
import { activeKeyOf, keyAttempt, loadKeyTenant } from './key-access.js';
import { assertChallengeTyped } from './lock-challenge.js';
import { assertLockProof } from './lock-proof.js';

/**
 * The proof of possession: the active key's .pfx with its password (the seed's way: the key
 * passes through the server), or the answer to a lock-proof challenge (lock-proof.ts: the key
 * never leaves the admin's machine).
 */
export type LockProof = { file: Buffer; password: string } | { challengeId: string; response: string };

export type LockInput = LockProof & { region: string; confirmation: string };

/**
 * R13: locks every tenant-key environment of a region. The caller proves possession of the
 * active key (its .pfx and password) and types the challenge. The environments go `locking`
 * at once (data answers 423 from this moment, and R9 counts them as locked, so no key can
 * arrive any more); its run half (lock-shred.ts) then destroys every private key of the
 * region in the vault and marks the environments `locked`.
 *
 * The proof's key derivation runs before the region's serial lock is taken (it may cost a
 * second); every rule is checked again under the lock, against what is committed then (L1).
 */
export function lockTenant(deps: AppDeps, actor: Principal, tenantId: string, input: LockInput): Promise<{ operation: OperationOf<'lock-tenant'> }> {
  return audited(deps, actor, keyAttempt(deps, tenantId, 'tenant.lock', `region:${input.region}`), async () => {
    const { region } = input;
    const tenant = await loadKeyTenant(deps.store, actor, tenantId, region);
    const early = await activeKeyOf(deps.store, tenantId, region);
    if (!early) fail('NO_ACTIVE_KEY', `Region ${region} has no active tenant key, so there is nothing to lock.`);
    // Cheap refusals first: the gate and the typed text cost nothing, the .pfx's KDF a second.
    assertLockAllowed(lastKeyChange(await deps.store.keys.listByTenant(tenantId, region)), deps.clock.now());
    await assertChallengeTyped(deps, deps.store, tenant, region, early!, input.confirmation);
    if ('challengeId' in input) {
      await assertLockProof(deps, input, tenantId, region, early!);
    } else {
      const proof = await withPasswordAttempt(deps, actor, tenantId, () => deps.keyFiles.work.provePfx(tenantId, input.file, input.password));
      if (proof.thumbprint !== early!.thumbprint) {
        fail('KEY_MISMATCH', `The uploaded key is not the active key "${early!.name}" of region ${region}; upload that key's .pfx.`);
      }
    }

    const result = await inRegion(deps, tenantId, region, async (tx) => {
      const active = await activeKeyOf(tx, tenantId, region);
      if (active?.id !== early!.id) fail('CONFLICT', 'The active key changed meanwhile; fetch the lock challenge again.');
      const now = deps.clock.now();
      assertLockAllowed(lastKeyChange(await tx.keys.listByTenant(tenantId, region)), now);
      await assertChallengeTyped(deps, tx, tenant, region, active!, input.confirmation);
      await assertNoClashingOperation(tx, tenantId, region, { regionWide: true });
      const locking = await tx.environments.moveRegionStatus(tenantId, region, 'begin-lock');
      const operation = await queueOperation(tx, deps, tenantId, 'lock-tenant', { region, keyId: active!.id, actor: actorLabel(actor) });
      await recordAudit(tx, deps, {
        tenantId,
        action: 'tenant.lock',
        target: `region:${region}`,
        actor,
        outcome: 'allowed',
        detail: `${locking} environment(s); proof of possession by ${'challengeId' in input ? 'challenge-response (the key never reached the server)' : '.pfx upload'}; operation ${operation.id}`,
      });
      await queueKeyChangeNotification(tx, {
        tenantId,
        idempotencyKey: `${operation.id}:locked`,
        tenantName: tenant.name,
        actor: actorLabel(actor),
        action: 'locked',
        keyName: active!.name,
        thumbprint: active!.thumbprint,
        region,
        at: now,
      });
      return { operation };
    });
    // This instance drops its open handles at once; others do on their next sweep.
    for (const env of await deps.store.environments.listByRegion(tenantId, region)) {
      if (env.encryption.mode === 'tenant') deps.dataPlane.evict(env.id);
    }
    deps.kick.operations();
    deps.kick.notifications();
    return result;
  });
}
