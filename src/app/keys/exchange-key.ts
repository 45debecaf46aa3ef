import { createPublicKey } from 'node:crypto';
import { fail } from '../../domain/errors.js';
import type { Principal } from '../../domain/principal.js';
import type { KekRecord } from '../../crypto/key-files/index.js';
import type { ExchangeKey } from '../../ports/key-store.js';
import type { AppDeps } from '../deps.js';
import { inRegion } from '../region.js';
import { loadKeyTenant } from './key-access.js';

/**
 * BYOK: the key-exchange key (KEK) a customer's HSM wraps their key for. One per tenant and
 * region at a time, made on first request; its private half goes into the vault and is used
 * for nothing but unwrapping one .byok upload: after a successful import it is destroyed, as it
 * is at expiry and at a lock of the region (SPEC L4). Custody is taken like a tenant key's
 * (add-tenant-key.ts): the record (`Importing`) commits before the vault holds anything.
 */
export async function currentExchangeKey(deps: AppDeps, actor: Principal, tenantId: string, region: string): Promise<ExchangeKey> {
  await loadKeyTenant(deps.store, actor, tenantId, region);
  const current = await deps.store.exchangeKeys.findCurrent(tenantId, region, deps.clock.now());
  if (current) return current;
  const now = deps.clock.now();
  const issued = await deps.keyFiles.work.issueKeyExchangeKey({ tenantId, region, now });
  const intent: ExchangeKey = {
    id: issued.kid,
    tenantId,
    region,
    publicKeyPem: issued.publicKeyPem,
    createdAt: now,
    expiresAt: issued.expiresAt,
    state: 'Importing',
    custodySince: deps.realClock.now(),
  };
  const raced = await inRegion(deps, tenantId, region, async (tx) => {
    const other = await tx.exchangeKeys.findCurrent(tenantId, region, now);
    if (other) return other;
    await tx.exchangeKeys.insert(intent);
    return undefined;
  });
  if (raced) return raced;
  deps.faults.reach('exchange-key.after-intent');
  try {
    return await inRegion(deps, tenantId, region, async (tx) => {
      if ((await tx.environments.countLocked(tenantId)) > 0 || (await tx.exchangeKeys.get(intent.id))?.state !== 'Importing') {
        fail('CONFLICT', `Region ${region} was locked while its key-exchange key was being made; nothing was kept.`);
      }
      await deps.vault.importPrivateKey(intent.id, issued.privateKey);
      deps.faults.reach('exchange-key.after-vault-import');
      await tx.exchangeKeys.move(intent.id, 'Importing', 'Active');
      return { ...intent, state: 'Active' as const, custodySince: null };
    });
  } catch (error) {
    await deps.vault.destroyPrivateKey(intent.id).catch(() => undefined);
    await deps.store.exchangeKeys.move(intent.id, 'Importing', 'Destroyed').catch(() => undefined);
    throw error;
  }
}

/**
 * The KEK lookup a .byok reader needs: the named KEK with its RSA-OAEP step done inside the
 * vault; `kid`s that are not ours, or whose one use is spent, are simply absent. The reader
 * checks tenant, region, expiry.
 */
export async function exchangeKeyRecord(deps: AppDeps, kid: string): Promise<KekRecord | undefined> {
  const kek = /^[A-Za-z0-9_-]{1,100}$/.test(kid) ? await deps.store.exchangeKeys.get(kid) : undefined;
  if (kek?.state !== 'Active') return undefined;
  return {
    tenantId: kek.tenantId,
    region: kek.region,
    expiresAt: kek.expiresAt,
    modulusBits: createPublicKey(kek.publicKeyPem).asymmetricKeyDetails?.modulusLength ?? 0,
    decryptHead: (head: Buffer) => deps.vault.decryptWithPrivateKey(kek.id, head, 'sha1'),
  };
}
