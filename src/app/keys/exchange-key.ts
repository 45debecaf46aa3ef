import { createPublicKey } from 'node:crypto';
import type { Principal } from '../../domain/principal.js';
import type { KekRecord } from '../../crypto/key-files/index.js';
import type { ExchangeKey } from '../../ports/key-store.js';
import type { AppDeps } from '../deps.js';
import { loadKeyTenant } from './key-access.js';

/**
 * BYOK: the key-exchange key (KEK) a customer's HSM wraps their key for. One per tenant and
 * region at a time, made on first request; its private half goes straight into the vault and
 * is used for nothing but unwrapping .byok uploads.
 */
export async function currentExchangeKey(deps: AppDeps, actor: Principal, tenantId: string, region: string): Promise<ExchangeKey> {
  await loadKeyTenant(deps.store, actor, tenantId, region);
  const now = deps.clock.now();
  const current = await deps.store.exchangeKeys.findCurrent(tenantId, region, now);
  if (current) return current;
  const issued = await deps.keyFiles.work.issueKeyExchangeKey({ tenantId, region, now });
  await deps.vault.importPrivateKey(issued.kid, issued.privateKey);
  const kek: ExchangeKey = {
    id: issued.kid,
    tenantId,
    region,
    publicKeyPem: issued.publicKeyPem,
    createdAt: now,
    expiresAt: issued.expiresAt,
  };
  await deps.store.exchangeKeys.insert(kek);
  return kek;
}

/**
 * The KEK lookup a .byok reader needs: the named KEK with its RSA-OAEP step done inside the
 * vault; `kid`s that are not ours are simply absent. The reader checks tenant, region, expiry.
 */
export async function exchangeKeyRecord(deps: AppDeps, kid: string): Promise<KekRecord | undefined> {
  const kek = /^[A-Za-z0-9_-]{1,100}$/.test(kid) ? await deps.store.exchangeKeys.get(kid) : undefined;
  if (!kek) return undefined;
  return {
    tenantId: kek.tenantId,
    region: kek.region,
    expiresAt: kek.expiresAt,
    modulusBits: createPublicKey(kek.publicKeyPem).asymmetricKeyDetails?.modulusLength ?? 0,
    decryptHead: (head: Buffer) => deps.vault.decryptWithPrivateKey(kek.id, head, 'sha1'),
  };
}
