import { fail } from '../../domain/errors.js';
import { assertNoLockedEnvironments } from '../../domain/key-gates.js';
import type { Principal } from '../../domain/principal.js';
import { moveKey, TAKING_CUSTODY, type KeySource, type TenantKey } from '../../domain/tenant-key.js';
import type { OperationOf } from '../../domain/operation.js';
import type { Tenant } from '../../domain/tenant.js';
import type { KeyFileKey } from '../../crypto/key-files/index.js';
import { assertPrintableName, caseKeyOf } from '../../domain/names.js';
import type { Repos } from '../../ports/store.js';
import type { AppDeps } from '../deps.js';
import { actorLabel, recordAudit } from '../audit.js';
import { queueKeyChangeNotification } from '../notify/queue-key-change.js';
import { queueOperation } from '../operations/queue-operation.js';
import { inRegion } from '../region.js';
import { activeKeyOf } from './key-access.js';
import { reclaimCustody } from './reclaim-custody.js';

export interface NewKey {
  tenant: Tenant;
  region: string;
  name: string;
  source: KeySource;
  material: KeyFileKey;
  /** The BYOK key-exchange key the material came through: single-use, destroyed with this commit. */
  exchangeKeyId?: string;
}

/**
 * R5, R9 and a name check, in the region's unit of work (or before any work is spent, as an
 * early refusal: the same checks run again under the lock). A crashed custody that still holds
 * the thumbprint or name is reclaimed first, so the same file can be uploaded again.
 */
export async function assertKeyMayBeAdded(
  tx: Pick<Repos, 'environments' | 'keys'>,
  tenant: Tenant,
  region: string,
  name: string,
  thumbprint?: string,
): Promise<void> {
  assertPrintableName(name, 'key name');
  assertNoLockedEnvironments(await tx.environments.countLocked(tenant.id));
  const keys = await tx.keys.listByTenant(tenant.id, region);
  const sameName = keys.find((k) => caseKeyOf(k.name) === caseKeyOf(name) && k.state !== 'Importing');
  if (sameName) fail('CONFLICT', `Region ${region} already has a key named "${name}"; choose another name.`);
  if (thumbprint === undefined) return;
  const duplicate = await tx.keys.findByThumbprint(tenant.id, thumbprint);
  if (duplicate && duplicate.state !== 'Importing')
    fail('DUPLICATE_KEY', `The tenant already has this key, as "${duplicate.name}" (${duplicate.state}).`);
}

/**
 * Takes a key read from a file or just generated into custody, crash-safely (SPEC L2):
 *
 * 1. One commit records the intent: the key's record, `Importing`, after R5/R9 are checked
 *    under the region's serial lock. From here the record owns whatever the vault will hold.
 * 2. A second unit of work, again under the region's lock, finds the record still Importing
 *    (a lock that ran meanwhile has deleted it), puts the private half into the vault, and
 *    commits the key's arrival (Available, or Installing with its activation for a region's
 *    first key, R6) with its audit entry and the admins' e-mail (L3). The software vault's
 *    sealed key is part of that commit; an HSM's object exists from the import on, owned by
 *    the Importing record, which is what a lock destroys and what a start reclaims.
 *
 * A failure after step 1 gives the custody back at once (reclaim-custody.ts); a crash leaves
 * it for the next start's reconciliation.
 */
export async function addTenantKey(
  deps: AppDeps,
  actor: Principal,
  input: NewKey,
  action: 'generated' | 'uploaded',
): Promise<{ key: TenantKey; operation: OperationOf<'activate-key'> | null }> {
  const { tenant, region, material } = input;
  const intent: TenantKey = {
    id: deps.ids.next('key'),
    tenantId: tenant.id,
    region,
    name: input.name,
    state: 'Importing',
    source: input.source,
    thumbprint: material.thumbprint,
    keySize: material.keySize,
    publicKeyPem: material.publicKey.export({ format: 'pem', type: 'spki' }).toString(),
    createdAt: deps.clock.now(),
    activatedAt: null,
    lockedAt: null,
    failureReason: null,
    custodySince: deps.realClock.now(),
  };

  await inRegion(deps, tenant.id, region, async (tx) => {
    const stale = (await tx.keys.listByTenant(tenant.id, region)).filter(
      (k) => TAKING_CUSTODY.includes(k.state) && (k.thumbprint === material.thumbprint || caseKeyOf(k.name) === caseKeyOf(input.name)),
    );
    // Another upload of the same key or name is taking custody right now, or died doing so.
    if (stale.some((k) => k.custodySince !== null && deps.realClock.now().getTime() - k.custodySince.getTime() < deps.custodyTimeoutMs)) {
      fail('CONFLICT', `A key with this name or thumbprint is being added to region ${region} right now; try again in a minute.`);
    }
    for (const k of stale) await reclaimCustody(deps, tx, k);
    await assertKeyMayBeAdded(tx, tenant, region, input.name, material.thumbprint);
    await tx.keys.insert(intent);
  });
  deps.faults.reach('key-custody.after-intent');

  try {
    const result = await inRegion(deps, tenant.id, region, async (tx) => {
      const current = await tx.keys.get(intent.id);
      if (current?.state !== 'Importing')
        return fail('CONFLICT', `Region ${region} changed while the key was being added (it was locked); nothing was added.`);
      assertNoLockedEnvironments(await tx.environments.countLocked(tenant.id));
      await deps.vault.importPrivateKey(intent.id, material.privateKey);
      deps.faults.reach('key-custody.after-vault-import');
      const first =
        !(await activeKeyOf(tx, tenant.id, region)) && !(await tx.keys.listByTenant(tenant.id, region)).some((k) => k.state === 'Installing');
      const arrived = moveKey(current, first ? 'Installing' : 'Available', { custodySince: null });
      await tx.keys.update(arrived);
      if (input.exchangeKeyId !== undefined) await tx.exchangeKeys.move(input.exchangeKeyId, 'Active', 'Destroyed');
      const operation = first
        ? await queueOperation(tx, deps, tenant.id, 'activate-key', { keyId: intent.id, region, actor: actorLabel(actor) })
        : null;
      await recordAudit(tx, deps, {
        tenantId: tenant.id,
        action: action === 'generated' ? 'key.generate' : 'key.upload',
        target: `key:${intent.id}`,
        actor,
        outcome: 'allowed',
        detail: first ? `first key of the region: activating; operation ${operation!.id}` : null,
      });
      await queueKeyChangeNotification(tx, {
        tenantId: tenant.id,
        idempotencyKey: `${intent.id}:${action}`,
        tenantName: tenant.name,
        actor: actorLabel(actor),
        action,
        keyName: intent.name,
        thumbprint: intent.thumbprint,
        region,
        at: intent.createdAt,
      });
      return { key: arrived, operation };
    });
    deps.faults.reach('key-custody.after-commit');
    // The exchange key has done its one job; its private half goes now (a crash here leaves it to
    // the next reconciliation, which destroys every Destroyed exchange key's object).
    if (input.exchangeKeyId !== undefined) await deps.vault.destroyPrivateKey(input.exchangeKeyId).catch(() => undefined);
    deps.kick.notifications();
    if (result.operation) deps.kick.operations();
    return result;
  } catch (error) {
    await inRegion(deps, tenant.id, region, async (tx) => {
      const current = await tx.keys.get(intent.id);
      if (current) await reclaimCustody(deps, tx, current);
    }).catch(() => undefined); // the next start's reconciliation does it then
    throw error;
  }
}
