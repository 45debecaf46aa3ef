import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../src/ports/store.js';
import type { TenantKey } from '../../src/domain/tenant-key.js';
import type { StoreContractTarget } from './store.contract.js';
import { aTenant, anEnvironment, codeOf, newId } from './store-fixtures.js';

export function aKey(tenantId: string, overrides: Partial<TenantKey> = {}): TenantKey {
  return {
    id: newId(),
    tenantId,
    region: 'europe',
    name: `Key ${newId().slice(0, 8)}`,
    state: 'Available',
    source: 'generated',
    thumbprint: newId().replaceAll('-', ''),
    keySize: 2048,
    publicKeyPem: '-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----\n',
    createdAt: new Date('2026-01-02T03:04:05.678Z'),
    activatedAt: null,
    lockedAt: null,
    failureReason: null,
    custodySince: null,
    ...overrides,
  };
}

/** Tenant keys, exchange keys and the environment compare-and-sets the key lifecycle relies on. */
export function keyStoreContract(target: StoreContractTarget): void {
  let store: Store;
  let other: Store;
  beforeAll(async () => {
    store = await target.open();
    other = await target.open();
  });
  afterAll(async () => {
    await store?.close();
    await other?.close();
  });

  describe('tenant keys', () => {
    it('round-trip, list by region without Deleted keys, and find by thumbprint', async () => {
      const tenant = aTenant();
      await store.tenants.insert(tenant);
      const a = aKey(tenant.id, { state: 'Active', activatedAt: new Date('2026-01-03T00:00:00.001Z'), name: 'Clé ünïcode' });
      const b = aKey(tenant.id, { region: 'us', createdAt: new Date('2026-01-05T00:00:00Z'), failureReason: 'x' });
      await store.keys.insert(a);
      await store.keys.insert(b);
      expect(await other.keys.get(a.id)).toEqual(a);
      expect((await store.keys.listByTenant(tenant.id)).map((k) => k.id)).toEqual([a.id, b.id]);
      expect((await store.keys.listByTenant(tenant.id, 'us')).map((k) => k.id)).toEqual([b.id]);
      expect((await store.keys.findByThumbprint(tenant.id, a.thumbprint))?.id).toBe(a.id);
      await store.keys.update({ ...b, state: 'Deleted' });
      expect((await store.keys.listByTenant(tenant.id)).map((k) => k.id)).toEqual([a.id]);
      expect(await store.keys.findByThumbprint(tenant.id, b.thumbprint)).toBeUndefined();
    });

    it('refuses a second live key with the same thumbprint or name, and a second Active key in a region', async () => {
      const tenant = aTenant();
      await store.tenants.insert(tenant);
      const a = aKey(tenant.id, { state: 'Active' });
      await store.keys.insert(a);
      expect(await codeOf(other.keys.insert(aKey(tenant.id, { thumbprint: a.thumbprint })))).toBe('CONFLICT');
      expect(await codeOf(other.keys.insert(aKey(tenant.id, { name: a.name.toUpperCase() })))).toBe('CONFLICT');
      const b = aKey(tenant.id);
      await store.keys.insert(b);
      expect(await codeOf(other.keys.update({ ...b, state: 'Active' }))).toBe('CONFLICT');
      // Another tenant may hold the same key.
      const t2 = aTenant();
      await store.tenants.insert(t2);
      await store.keys.insert(aKey(t2.id, { thumbprint: a.thumbprint }));
      expect(await codeOf(store.keys.update(aKey(tenant.id)))).toBe('NOT_FOUND');
    });
  });

  describe('exchange keys', () => {
    it('finds the newest unexpired one of a tenant and region', async () => {
      const tenant = aTenant();
      await store.tenants.insert(tenant);
      const kek = (expiresAt: string, region = 'europe') => ({
        id: newId(),
        tenantId: tenant.id,
        region,
        publicKeyPem: 'pem',
        createdAt: new Date('2026-01-01T00:00:00Z'),
        expiresAt: new Date(expiresAt),
        state: 'Active' as const,
        custodySince: null,
      });
      const old = kek('2026-02-01T00:00:00Z');
      const newer = kek('2026-03-01T00:00:00Z');
      await store.exchangeKeys.insert(old);
      await store.exchangeKeys.insert(newer);
      await store.exchangeKeys.insert(kek('2026-04-01T00:00:00Z', 'us'));
      expect(await other.exchangeKeys.get(old.id)).toEqual(old);
      expect((await store.exchangeKeys.findCurrent(tenant.id, 'europe', new Date('2026-01-15T00:00:00Z')))?.id).toBe(newer.id);
      expect(await store.exchangeKeys.findCurrent(tenant.id, 'europe', new Date('2026-03-01T00:00:00Z'))).toBeUndefined();
    });
  });

  describe('environment protection compare-and-set', () => {
    it('swapProtection writes once for the expected wrapped DEK; concurrent swaps: one wins', async () => {
      const tenant = aTenant();
      await store.tenants.insert(tenant);
      const env = anEnvironment(tenant.id, { wrappedDek: 'kw1:pk:A256GCM:old' });
      await store.environments.insert(env);
      const next = { wrappedDek: 'kw1:thumb:RSA-OAEP-256:new', mode: 'tenant' as const, keyId: 'key_1' };
      const results = await Promise.all([
        store.environments.swapProtection(env.id, env.wrappedDek, next),
        other.environments.swapProtection(env.id, env.wrappedDek, { ...next, wrappedDek: 'kw1:thumb:RSA-OAEP-256:other' }),
      ]);
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await store.environments.swapProtection(env.id, env.wrappedDek, next)).toBe(false);
      const stored = await other.environments.get(env.id);
      expect(stored?.encryption).toEqual({ mode: 'tenant', keyId: 'key_1', status: 'ready' });
    });

    it('moves statuses one by one and by region in one statement, and counts them', async () => {
      const tenant = aTenant();
      await store.tenants.insert(tenant);
      const tenantKeyed = (region: string) => anEnvironment(tenant.id, { region, encryption: { mode: 'tenant', keyId: 'k', status: 'ready' } });
      const envs = [tenantKeyed('europe'), tenantKeyed('europe'), tenantKeyed('us'), anEnvironment(tenant.id)];
      for (const e of envs) await store.environments.insert(e);
      const lockedAt = new Date('2026-05-05T05:05:05.005Z');
      expect(await store.environments.moveRegionStatus(tenant.id, 'europe', 'begin-lock')).toBe(2);
      expect(await other.environments.countLocked(tenant.id)).toBe(2);
      expect(await store.environments.moveRegionStatus(tenant.id, 'europe', 'end-lock', lockedAt)).toBe(2);
      expect((await other.environments.get(envs[0]!.id))?.lockedAt).toEqual(lockedAt);
      expect(await store.environments.moveStatus(envs[0]!.id, 'end-unlock')).toBe(false);
      expect(await store.environments.moveStatus(envs[0]!.id, 'begin-unlock')).toBe(true);
      expect(await store.environments.moveStatus(envs[0]!.id, 'end-unlock', null)).toBe(true);
      expect((await other.environments.get(envs[0]!.id))?.lockedAt).toBeNull();
      expect(await store.environments.countLocked(tenant.id)).toBe(1);
      const statuses = await other.environments.statusesOf([envs[0]!.id, envs[1]!.id, envs[3]!.id, 'env_not_stored']);
      expect(Object.fromEntries(statuses)).toEqual({ [envs[0]!.id]: 'ready', [envs[1]!.id]: 'locked', [envs[3]!.id]: 'ready' });
      expect((await store.environments.statusesOf([])).size).toBe(0);
    });
  });
}
