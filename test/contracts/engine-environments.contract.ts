import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MariaDbEngine } from '../../src/domain/engine.js';
import type { Store } from '../../src/ports/store.js';
import { aTenant, anEnvironment } from './store-fixtures.js';
import type { StoreContractTarget } from './store.contract.js';

const anEngine = (overrides: Partial<MariaDbEngine> = {}): MariaDbEngine => ({
  kind: 'mariadb',
  host: 'db-1.example.com',
  port: 3306,
  user: 'keyward',
  sealedPassword: 'kw1:pk_1:A256GCM:c2VhbGVk',
  tokenHash: null,
  keyVersion: 1,
  stoppedAt: null,
  lastKeyFetchAt: null,
  ...overrides,
});

/** The environment columns of external engines (migration 0008), on every store adapter. */
export function engineEnvironmentsContract(target: StoreContractTarget): void {
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

  const insert = async (engine = anEngine()) => {
    const tenant = aTenant();
    await store.tenants.insert(tenant);
    const env = anEnvironment(tenant.id, { engine });
    await store.environments.insert(env);
    return env;
  };

  describe('environments on an external engine', () => {
    it('round-trips the engine, embedded by default', async () => {
      const hash = randomBytes(32);
      const engine = anEngine({
        tokenHash: hash,
        keyVersion: 4,
        stoppedAt: new Date('2024-05-01T00:00:00.001Z'),
        lastKeyFetchAt: new Date('2024-05-02T03:04:05.678Z'),
      });
      const env = await insert(engine);
      expect(await other.environments.get(env.id)).toEqual(env);
      const plain = anEnvironment(env.tenantId);
      await store.environments.insert(plain);
      expect((await other.environments.get(plain.id))!.engine).toEqual({ kind: 'embedded' });
    });

    it('replaces the token hash, advances the key version by compare-and-set, records stops and fetches; never on an embedded one', async () => {
      const env = await insert();
      const first = randomBytes(32);
      const second = randomBytes(32);
      expect(await store.environments.setEngineToken(env.id, first)).toBe(true);
      expect(await other.environments.setEngineToken(env.id, second)).toBe(true);
      const read = async () => (await store.environments.get(env.id))!.engine as MariaDbEngine;
      expect((await read()).tokenHash).toEqual(second);

      const racers = await Promise.all([store, other, store, other].map((s) => s.environments.advanceEngineKeyVersion(env.id, 1)));
      expect(racers.filter(Boolean)).toHaveLength(1);
      expect((await read()).keyVersion).toBe(2);
      expect(await store.environments.advanceEngineKeyVersion(env.id, 1)).toBe(false);

      const at = new Date('2024-06-01T10:00:00.000Z');
      expect(await store.environments.recordEngineStop(env.id, at)).toBe(true);
      expect((await read()).stoppedAt).toEqual(at);
      expect(await store.environments.recordEngineStop(env.id, null)).toBe(true);
      expect((await read()).stoppedAt).toBeNull();
      await store.environments.recordEngineKeyFetch(env.id, at);
      expect((await read()).lastKeyFetchAt).toEqual(at);

      const plain = anEnvironment(env.tenantId);
      await store.environments.insert(plain);
      expect(await store.environments.setEngineToken(plain.id, first)).toBe(false);
      expect(await store.environments.advanceEngineKeyVersion(plain.id, 1)).toBe(false);
      expect(await store.environments.recordEngineStop(plain.id, at)).toBe(false);
      await store.environments.recordEngineKeyFetch(plain.id, at);
      expect((await store.environments.get(plain.id))!.engine).toEqual({ kind: 'embedded' });
    });

    it('issues no token to a deleted environment, and shredding keeps the engine description', async () => {
      const env = await insert();
      expect(await store.environments.shred(env.id, 'delete')).toBe(true);
      expect(await store.environments.setEngineToken(env.id, randomBytes(32))).toBe(false);
      expect((await store.environments.get(env.id))!.engine).toMatchObject({ kind: 'mariadb', tokenHash: null });
    });
  });
}
