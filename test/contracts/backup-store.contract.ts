import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backup } from '../../src/ports/backup-store.js';
import type { Store } from '../../src/ports/store.js';
import type { StoreContractTarget } from './store.contract.js';
import { aTenant, anEnvironment, codeOf, newId } from './store-fixtures.js';

export function aBackup(tenantId: string, environmentId: string, overrides: Partial<Backup> = {}): Backup {
  return {
    id: `bk_${newId()}`,
    tenantId,
    environmentId,
    label: 'Before the migration — ünïcode 📦',
    createdAt: new Date('2026-02-03T04:05:06.789Z'),
    protector: { mode: 'provider', keyId: null },
    // Above 2^31: the column must hold files of many gigabytes on both dialects.
    sizeBytes: 5 * 1024 ** 3 + 7,
    ...overrides,
  };
}

/** Backup records, and the shape of the purge's unit of work racing on two instances. */
export function backupStoreContract(target: StoreContractTarget): void {
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

  async function anEnvironmentWithTenant() {
    const tenant = aTenant();
    await store.tenants.insert(tenant);
    const env = anEnvironment(tenant.id);
    await store.environments.insert(env);
    return { tenant, env };
  }

  describe('backups', () => {
    it('round-trip, list per environment oldest first, and refuse a second row with the same id', async () => {
      const { tenant, env } = await anEnvironmentWithTenant();
      const second = anEnvironment(tenant.id);
      await store.environments.insert(second);
      const a = aBackup(tenant.id, env.id, { createdAt: new Date('2026-02-03T00:00:00.002Z') });
      const b = aBackup(tenant.id, env.id, {
        createdAt: new Date('2026-02-03T00:00:00.001Z'),
        label: null,
        protector: { mode: 'tenant', keyId: 'key_1' },
      });
      const elsewhere = aBackup(tenant.id, second.id);
      for (const backup of [a, b, elsewhere]) await store.backups.insert(backup);
      expect(await other.backups.get(a.id)).toEqual(a);
      expect(await other.backups.get(b.id)).toEqual(b);
      expect(await other.backups.get('bk_missing')).toBeUndefined();
      expect((await other.backups.listByEnvironment(env.id)).map((x) => x.id)).toEqual([b.id, a.id]);
      expect(await codeOf(other.backups.insert({ ...a, label: 'again' }))).toBe('CONFLICT');
    });

    it('forgets every backup of one environment and no other', async () => {
      const { tenant, env } = await anEnvironmentWithTenant();
      const second = anEnvironment(tenant.id);
      await store.environments.insert(second);
      await store.backups.insert(aBackup(tenant.id, env.id));
      await store.backups.insert(aBackup(tenant.id, env.id));
      const kept = aBackup(tenant.id, second.id);
      await store.backups.insert(kept);
      expect(await other.backups.deleteByEnvironment(env.id)).toBe(2);
      expect(await store.backups.listByEnvironment(env.id)).toEqual([]);
      expect(await store.backups.listByEnvironment(second.id)).toEqual([kept]);
      expect(await store.backups.deleteByEnvironment(env.id)).toBe(0);
      await store.backups.scrubErased();
    });

    it('rolls back with the unit of work it was written in', async () => {
      const { tenant, env } = await anEnvironmentWithTenant();
      const backup = aBackup(tenant.id, env.id);
      await expect(
        store.transaction(async (tx) => {
          await tx.backups.insert(backup);
          throw new Error('abandon');
        }),
      ).rejects.toThrow('abandon');
      expect(await other.backups.get(backup.id)).toBeUndefined();
    });

    it('two instances purging the same locked environment: the compare-and-set lets one through, the other changes nothing', async () => {
      const { tenant } = await anEnvironmentWithTenant();
      const env = anEnvironment(tenant.id, {
        encryption: { mode: 'tenant', keyId: 'k', status: 'locked' },
        lockedAt: new Date('2026-01-01T00:00:00Z'),
      });
      await store.environments.insert(env);
      await store.backups.insert(aBackup(tenant.id, env.id));
      const purge = (s: Store) =>
        s.transaction(async (tx) => {
          if (!(await tx.environments.shred(env.id, 'purge'))) return false;
          await tx.backups.deleteByEnvironment(env.id);
          return true;
        });
      // One after the other: two SQLite stores in one process cannot hold write transactions at
      // once (the second would wait synchronously for the first). On PostgreSQL the second
      // would block on the row the first updated, then see the new status: the same outcome.
      expect(await purge(store)).toBe(true);
      expect(await purge(other)).toBe(false);
      const stored = await store.environments.get(env.id);
      expect(stored?.encryption.status).toBe('deleted');
      expect(stored?.wrappedDek).toBe('');
      expect(await other.backups.listByEnvironment(env.id)).toEqual([]);
    });
  });
}
