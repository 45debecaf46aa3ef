import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../src/ports/store.js';
import { aTenant, anEnvironment, aUser, codeOf, newId } from './store-fixtures.js';

export interface StoreContractTarget {
  /** Opens (and migrates) a new store instance on the suite's database: same data every time. */
  open(): Promise<Store>;
}

/**
 * The contract every Store adapter must pass; the SQLite and PostgreSQL runners call it with
 * their own target. Two instances (`store`, `other`) on the same database stand in for two
 * server instances, which is where compare-and-set and first-writer-wins earn their keep.
 */
export function storeContract(target: StoreContractTarget): void {
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

  describe('tenants', () => {
    it('round-trips every field, nulls and unicode included, and updates', async () => {
      const tenant = aTenant();
      await store.tenants.insert(tenant);
      expect(await store.tenants.get(tenant.id)).toEqual(tenant);

      const enabled = { ...tenant, cmkEnabled: true, cmkEnabledAt: new Date('2024-05-06T07:08:09.123Z'), regions: ['asia'] };
      await store.tenants.update(enabled);
      expect(await other.tenants.get(tenant.id)).toEqual(enabled);
      expect((await store.tenants.list()).find((t) => t.id === tenant.id)).toEqual(enabled);
    });

    it('answers undefined for an unknown id, NOT_FOUND on updating one, CONFLICT on a second insert', async () => {
      const tenant = aTenant();
      expect(await store.tenants.get(tenant.id)).toBeUndefined();
      expect(await codeOf(store.tenants.update(tenant))).toBe('NOT_FOUND');
      await store.tenants.insert(tenant);
      expect(await codeOf(store.tenants.insert({ ...tenant, name: 'again' }))).toBe('CONFLICT');
      expect(await store.tenants.get(tenant.id)).toEqual(tenant);
    });
  });

  describe('users', () => {
    it('round-trips a user with nested roles, by id, by token hash and by tenant', async () => {
      const tenant = aTenant();
      await store.tenants.insert(tenant);
      const envId = newId();
      const record = aUser(tenant.id, {
        email: 'Åsa.Öberg@Contoso.example',
        roles: [{ role: 'service-admin' }, { role: 'env-admin', environmentId: envId }],
      });
      await store.users.insert(record);

      expect(await store.users.get(record.user.id)).toEqual(record.user);
      const found = await other.users.findByTokenHash(Buffer.from(record.tokenHash));
      expect(found?.user).toEqual(record.user);
      expect(found?.tokenHash.equals(record.tokenHash)).toBe(true);
      expect(await store.users.findByTokenHash(Buffer.alloc(32, 7))).toBeUndefined();
      expect(await store.users.get(newId())).toBeUndefined();

      const second = aUser(tenant.id, { createdAt: new Date('2024-03-02T00:00:00.002Z') });
      await store.users.insert(second);
      expect(await store.users.listByTenant(tenant.id)).toEqual([record.user, second.user]);
      expect(await store.users.listByTenant(newId())).toEqual([]);
    });

    it('checks e-mails case-insensitively within one tenant only, and refuses duplicates', async () => {
      const tenant = aTenant();
      const elsewhere = aTenant();
      await store.tenants.insert(tenant);
      await store.tenants.insert(elsewhere);
      const record = aUser(tenant.id, { email: 'Élodie@Contoso.example' });
      await store.users.insert(record);

      expect(await store.users.emailExists(tenant.id, 'élodie@contoso.EXAMPLE')).toBe(true);
      expect(await store.users.emailExists(tenant.id, 'elodie@contoso.example')).toBe(false);
      expect(await store.users.emailExists(elsewhere.id, 'Élodie@Contoso.example')).toBe(false);

      const sameEmail = aUser(tenant.id, { email: 'ÉLODIE@contoso.example' });
      expect(await codeOf(other.users.insert(sameEmail))).toBe('CONFLICT');
      const sameToken = { ...aUser(tenant.id), tokenHash: record.tokenHash };
      expect(await codeOf(store.users.insert(sameToken))).toBe('CONFLICT');
      await store.users.insert(aUser(elsewhere.id, { email: 'Élodie@Contoso.example' }));
    });

    it('refuses a user of a tenant that does not exist (foreign keys are on)', async () => {
      await expect(store.users.insert(aUser(newId()))).rejects.toThrow();
    });
  });

  describe('environments', () => {
    it('round-trips both encryption shapes and updates', async () => {
      const tenant = aTenant();
      await store.tenants.insert(tenant);
      const provider = anEnvironment(tenant.id, { name: 'Ventes — été 2024 ✨', type: 'sandbox', hasFileColumns: true });
      const cmk = anEnvironment(tenant.id, {
        type: 'support',
        createdAt: new Date('2024-03-03T08:00:00.001Z'),
        encryption: { mode: 'tenant', keyId: newId(), status: 'updating' },
      });
      await store.environments.insert(provider);
      await store.environments.insert(cmk);
      expect(await store.environments.get(provider.id)).toEqual(provider);
      expect(await other.environments.get(cmk.id)).toEqual(cmk);
      expect(await store.environments.get(newId())).toBeUndefined();

      await store.environments.setHasFileColumns(provider.id, false);
      expect(await store.environments.get(provider.id)).toEqual({ ...provider, hasFileColumns: false });
      expect(await codeOf(store.environments.setHasFileColumns(newId(), true))).toBe('NOT_FOUND');
    });

    it('moves statuses only by the moves of the status table, by compare-and-set', async () => {
      const tenant = aTenant();
      await store.tenants.insert(tenant);
      const env = anEnvironment(tenant.id);
      await store.environments.insert(env);
      const status = async () => (await store.environments.get(env.id))?.encryption.status;
      // A move whose start is not the stored status changes nothing.
      expect(await store.environments.moveStatus(env.id, 'end-lock')).toBe(false);
      expect(await store.environments.moveStatus(env.id, 'begin-update')).toBe(true);
      expect(await other.environments.moveStatus(env.id, 'begin-update')).toBe(false);
      expect(await status()).toBe('updating');
      expect(await store.environments.moveStatus(env.id, 'end-update')).toBe(true);
      expect(await store.environments.moveStatus(newId(), 'begin-update')).toBe(false);

      // Region moves touch tenant-key environments of that region only, and set lockedAt.
      const cmk = anEnvironment(tenant.id, { encryption: { mode: 'tenant', keyId: newId(), status: 'ready' } });
      const elsewhere = anEnvironment(tenant.id, { region: 'asia', encryption: { mode: 'tenant', keyId: newId(), status: 'ready' } });
      await store.environments.insert(cmk);
      await store.environments.insert(elsewhere);
      expect(await store.environments.moveRegionStatus(tenant.id, 'europe', 'begin-lock')).toBe(1);
      expect(await store.environments.countLocked(tenant.id)).toBe(1);
      const lockedAt = new Date('2026-02-01T00:00:00.000Z');
      expect(await other.environments.moveRegionStatus(tenant.id, 'europe', 'end-lock', lockedAt)).toBe(1);
      expect(await store.environments.get(cmk.id)).toMatchObject({ encryption: { status: 'locked' }, lockedAt });
      expect((await store.environments.get(elsewhere.id))?.encryption.status).toBe('ready');
      expect(await store.environments.countLocked(tenant.id)).toBe(1);
      expect((await store.environments.statusesOf([cmk.id, env.id, 'env_not_stored'])).size).toBe(2);
    });

    it('shreds in one compare-and-set: deleted, with its wrapped DEKs erased', async () => {
      const env = anEnvironment((await insertTenant()).id, { encryption: { mode: 'tenant', keyId: newId(), status: 'updating' } });
      await store.environments.insert(env);
      expect(await store.environments.shred(env.id, 'delete')).toBe(false);
      expect(await store.environments.moveStatus(env.id, 'end-update')).toBe(true);
      expect(await store.environments.setPendingWrappedDek(env.id, 'kw1:pending')).toBe(false);
      expect(await store.environments.shred(env.id, 'purge')).toBe(false);
      expect(await store.environments.shred(env.id, 'delete')).toBe(true);
      expect(await store.environments.get(env.id)).toMatchObject({ wrappedDek: '', pendingWrappedDek: null, encryption: { status: 'deleted' } });
      expect(await other.environments.shred(env.id, 'delete')).toBe(false);
    });

    it('lists by creation time then id, leaving deleted ones out (get still finds them)', async () => {
      const tenant = aTenant();
      await store.tenants.insert(tenant);
      const at = (iso: string) => new Date(iso);
      const late = anEnvironment(tenant.id, { createdAt: at('2024-04-01T00:00:00.000Z') });
      const early = anEnvironment(tenant.id, { createdAt: at('2024-02-01T00:00:00.000Z') });
      const tieA = anEnvironment(tenant.id, { id: `a-${newId()}`, createdAt: at('2024-03-01T00:00:00.000Z') });
      const tieB = anEnvironment(tenant.id, { id: `b-${newId()}`, createdAt: at('2024-03-01T00:00:00.000Z') });
      const gone = anEnvironment(tenant.id, { encryption: { mode: 'provider', keyId: null, status: 'deleted' } });
      for (const env of [late, tieB, gone, early, tieA]) await store.environments.insert(env);
      await store.environments.insert(anEnvironment((await insertTenant()).id));

      expect(await store.environments.listByTenant(tenant.id)).toEqual([early, tieA, tieB, late]);
      expect(await store.environments.get(gone.id)).toEqual(gone);
    });

    it('checks names case-insensitively, ignoring deleted ones, and refuses a live duplicate', async () => {
      const tenant = aTenant();
      await store.tenants.insert(tenant);
      const env = anEnvironment(tenant.id, { name: 'Straße Prod' });
      await store.environments.insert(env);
      expect(await store.environments.nameExists(tenant.id, 'STRAßE PROD')).toBe(true);
      expect(await store.environments.nameExists(tenant.id, 'straße prod')).toBe(true);
      expect(await store.environments.nameExists((await insertTenant()).id, 'Straße Prod')).toBe(false);
      expect(await codeOf(other.environments.insert(anEnvironment(tenant.id, { name: 'STRAßE PROD' })))).toBe('CONFLICT');

      await store.environments.shred(env.id, 'delete');
      expect(await store.environments.nameExists(tenant.id, 'Straße Prod')).toBe(false);
      await store.environments.insert(anEnvironment(tenant.id, { name: 'Straße Prod' }));
      expect(await store.environments.nameExists(tenant.id, 'straße prod')).toBe(true);
    });

    it('swaps the protection only from the expected wrapped DEK, moving the status with it', async () => {
      const env = anEnvironment((await insertTenant()).id);
      await store.environments.insert(env);
      const next = { wrappedDek: 'kw1:next', mode: 'tenant' as const, keyId: 'key_1' };
      expect(await store.environments.swapProtection(env.id, env.wrappedDek, next)).toBe(true);
      // The step running a second time with what it read before changes nothing.
      expect(await other.environments.swapProtection(env.id, env.wrappedDek, { ...next, wrappedDek: 'kw1:other' })).toBe(false);
      expect(await store.environments.get(env.id)).toMatchObject({
        wrappedDek: 'kw1:next',
        encryption: { mode: 'tenant', keyId: 'key_1', status: 'ready' },
      });
      expect(await store.environments.swapProtection(newId(), 'kw1:next', next)).toBe(false);
      // With a move, the status must be one it starts from; a pending DEK is cleared by the swap.
      expect(await store.environments.swapProtection(env.id, 'kw1:next', { ...next, wrappedDek: 'kw1:x' }, 'end-update')).toBe(false);
      expect(await store.environments.moveStatus(env.id, 'begin-update')).toBe(true);
      expect(await store.environments.setPendingWrappedDek(env.id, 'kw1:pending')).toBe(true);
      expect(await other.environments.setPendingWrappedDek(env.id, 'kw1:another')).toBe(false);
      const back = { wrappedDek: 'kw1:pending', mode: 'provider' as const, keyId: null };
      expect(await store.environments.swapProtection(env.id, 'kw1:next', back, 'end-update')).toBe(true);
      expect(await store.environments.get(env.id)).toMatchObject({
        wrappedDek: 'kw1:pending',
        pendingWrappedDek: null,
        encryption: { mode: 'provider', keyId: null, status: 'ready' },
      });
    });

    it('lets exactly one of many concurrent swaps from the same value win', async () => {
      const env = anEnvironment((await insertTenant()).id);
      await store.environments.insert(env);
      const nexts = Array.from({ length: 8 }, (_, i) => `kw1:racer-${i}`);
      const results = await Promise.all(
        nexts.map((next, i) =>
          (i % 2 === 0 ? store : other).environments.swapProtection(env.id, env.wrappedDek, { wrappedDek: next, mode: 'provider', keyId: null }),
        ),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      expect((await store.environments.get(env.id))?.wrappedDek).toBe(nexts[results.indexOf(true)]);
    });
  });

  describe('settings', () => {
    it('keeps the first value written, also when two instances race', async () => {
      const name = `provider-key-${newId()}`;
      expect(await store.settings.get(name)).toBeUndefined();
      expect(await store.settings.putIfAbsent(name, 'first')).toBe('first');
      expect(await other.settings.putIfAbsent(name, 'second')).toBe('first');
      expect(await store.settings.get(name)).toBe('first');

      const raced = `raced-${newId()}`;
      const values = await Promise.all(Array.from({ length: 6 }, (_, i) => (i % 2 === 0 ? store : other).settings.putIfAbsent(raced, `v${i}`)));
      expect(new Set(values).size).toBe(1);
      expect(await other.settings.get(raced)).toBe(values[0]);
    });
  });

  describe('transactions', () => {
    it('commits everything written in work and returns its result', async () => {
      const tenant = aTenant();
      const env = anEnvironment(tenant.id);
      const result = await store.transaction(async (tx) => {
        await tx.tenants.insert(tenant);
        await tx.environments.insert(env);
        expect(await tx.environments.listByTenant(tenant.id)).toEqual([env]);
        return 'done';
      });
      expect(result).toBe('done');
      expect(await other.tenants.get(tenant.id)).toEqual(tenant);
      expect(await other.environments.get(env.id)).toEqual(env);
    });

    it('rolls back everything written when work throws, and rethrows', async () => {
      const existing = await insertTenant();
      const tenant = aTenant();
      const user = aUser(tenant.id);
      const env = anEnvironment(existing.id);
      const setting = `setting-${newId()}`;
      const boom = new Error('boom');
      await expect(
        store.transaction(async (tx) => {
          await tx.tenants.insert(tenant);
          await tx.users.insert(user);
          await tx.environments.insert(env);
          await tx.tenants.update({ ...existing, name: 'renamed' });
          await tx.settings.putIfAbsent(setting, 'x');
          throw boom;
        }),
      ).rejects.toBe(boom);
      expect(await store.tenants.get(tenant.id)).toBeUndefined();
      expect(await store.users.get(user.user.id)).toBeUndefined();
      expect(await store.environments.get(env.id)).toBeUndefined();
      expect(await store.tenants.get(existing.id)).toEqual(existing);
      expect(await store.settings.get(setting)).toBeUndefined();
    });

    it('refuses the store repos or a nested transaction inside work, and leaked tx repos after', async () => {
      let leaked: Store['tenants'] | undefined;
      await store.transaction(async (tx) => {
        leaked = tx.tenants;
        await expect(store.tenants.list()).rejects.toThrow(/inside transaction/);
        await expect(store.transaction(() => Promise.resolve())).rejects.toThrow(/nest/);
      });
      await expect(leaked!.get(newId())).rejects.toThrow(/finished transaction/);
      expect(await store.tenants.get(newId())).toBeUndefined();
    });
  });

  describe('migrations', () => {
    it('are idempotent: closing and opening again keeps the data', async () => {
      const tenant = aTenant();
      const first = await target.open();
      await first.tenants.insert(tenant);
      await first.settings.putIfAbsent(`reopen-${tenant.id}`, 'kept');
      await first.close();
      const again = await target.open();
      try {
        expect(await again.tenants.get(tenant.id)).toEqual(tenant);
        expect(await again.settings.get(`reopen-${tenant.id}`)).toBe('kept');
      } finally {
        await again.close();
      }
    });
  });

  async function insertTenant() {
    const tenant = aTenant();
    await store.tenants.insert(tenant);
    return tenant;
  }
}
