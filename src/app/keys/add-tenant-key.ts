import { fail } from '../../domain/errors.js';
import { assertNoLockedEnvironments } from '../../domain/key-gates.js';
import type { Principal } from '../../domain/principal.js';
import type { KeySource, TenantKey } from '../../domain/tenant-key.js';
import type { Operation } from '../../domain/operation.js';
import type { Tenant } from '../../domain/tenant.js';
import type { KeyFileKey } from '../../crypto/key-files/index.js';
import { assertPrintableName, caseKeyOf } from '../../domain/names.js';
import type { AppDeps } from '../deps.js';
import { actorLabel, auditSuccess } from '../attempts.js';
import { queueKeyChangeNotification } from '../notify/queue-key-change.js';
import { activeKeyOf, queueOperation } from './key-access.js';

export interface NewKey {
  tenant: Tenant;
  region: string;
  name: string;
  source: KeySource;
  material: KeyFileKey;
}

/** Checks that may refuse a new key before any work is spent on it (R5, R9). */
export async function assertKeyMayBeAdded(deps: AppDeps, tenant: Tenant, region: string, name: string): Promise<void> {
  assertPrintableName(name, 'key name');
  assertNoLockedEnvironments(await deps.store.environments.countByStatus(tenant.id, 'locked'));
  const sameName = (await deps.store.keys.listByTenant(tenant.id, region)).find((k) => caseKeyOf(k.name) === caseKeyOf(name));
  if (sameName) fail('CONFLICT', `Region ${region} already has a key named "${name}"; choose another name.`);
}

/**
 * Takes a key read from a file or just generated into custody: its private half into the vault,
 * its record (public half, thumbprint) into the store, with the audit entry and the admins'
 * e-mail in the same unit of work. R6: a region's first key is activated at once.
 * If the unit of work fails, the private half is destroyed again.
 */
export async function addTenantKey(
  deps: AppDeps,
  actor: Principal,
  input: NewKey,
  action: 'generated' | 'uploaded',
): Promise<{ key: TenantKey; operation: Operation | null }> {
  const { tenant, region, material } = input;
  const duplicate = await deps.store.keys.findByThumbprint(tenant.id, material.thumbprint);
  if (duplicate) fail('DUPLICATE_KEY', `The tenant already has this key, as "${duplicate.name}" (${duplicate.state}).`);

  const now = deps.clock.now();
  const key: TenantKey = {
    id: deps.ids.next('key'),
    tenantId: tenant.id,
    region,
    name: input.name,
    state: 'Available',
    source: input.source,
    thumbprint: material.thumbprint,
    keySize: material.keySize,
    publicKeyPem: material.publicKey.export({ format: 'pem', type: 'spki' }).toString(),
    createdAt: now,
    activatedAt: null,
    lockedAt: null,
    failureReason: null,
  };
  await deps.vault.importPrivateKey(key.id, material.privateKey);
  try {
    const result = await deps.store.transaction(async (tx) => {
      assertNoLockedEnvironments(await tx.environments.countByStatus(tenant.id, 'locked'));
      const first =
        !(await activeKeyOf(tx, tenant.id, region)) && !(await tx.keys.listByTenant(tenant.id, region)).some((k) => k.state === 'Installing');
      const stored: TenantKey = first ? { ...key, state: 'Installing' } : key;
      await tx.keys.insert(stored);
      const operation = first ? await queueOperation(tx, deps, tenant.id, 'activate-key', { keyId: key.id, region, actor: actorLabel(actor) }) : null;
      const verb = action === 'generated' ? 'key.generate' : 'key.upload';
      await auditSuccess(
        tx,
        deps,
        actor,
        { tenantId: tenant.id, action: verb, target: `key:${key.id}` },
        first ? 'first key of the region: activating' : null,
      );
      await queueKeyChangeNotification(tx, {
        tenantId: tenant.id,
        idempotencyKey: `${key.id}:${action}`,
        tenantName: tenant.name,
        actor: actorLabel(actor),
        action,
        keyName: key.name,
        thumbprint: key.thumbprint,
        region,
        at: now,
      });
      return { key: stored, operation };
    });
    deps.kick.notifications();
    if (result.operation) deps.kick.operations();
    return result;
  } catch (error) {
    await deps.vault.destroyPrivateKey(key.id).catch(() => undefined);
    throw error;
  }
}
