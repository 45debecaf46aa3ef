import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInProcess, type InProcessCluster } from '../support/in-process.js';
import { makeKeys, race, RaceWorld, won } from './race-world.js';

/**
 * SPEC L1 under real races: two requests that both change one region, the second fired 0–50 ms
 * after the first on another instance (on PostgreSQL; on SQLite the one instance), many times
 * over. Each kind checks its answers against the outcomes a serial server allows, and every
 * race ends with the region's invariants (race-world.ts). The counts are printed.
 */
export function regionRaces(label: string, store: 'sqlite' | 'postgres', perKind: number): void {
  describe(`region races on ${label}`, () => {
    let cluster: InProcessCluster;
    let w: RaceWorld;
    const counts: Record<string, number> = {};
    const offsets = Array.from({ length: perKind }, (_, i) => Math.round((50 * i) / Math.max(1, perKind - 1)));
    const count = (kind: string) => (counts[kind] = (counts[kind] ?? 0) + 1);

    beforeAll(async () => {
      cluster = await startInProcess({ store, instances: 2 });
      w = new RaceWorld(cluster, await makeKeys(4));
    }, 120_000);
    afterAll(async () => {
      const total = Object.values(counts).reduce((a, b) => a + b, 0);
      console.log(
        `region races on ${label}: ${total} races (${Object.entries(counts)
          .map(([k, n]) => `${k} ${n}`)
          .join(', ')})`,
      );
      await cluster?.close();
    });

    it('lock against activate: exactly one wins, whatever the offset', { timeout: 600_000 }, async () => {
      for (const [i, offset] of offsets.entries()) {
        const t = await w.lockable(`lock-activate ${i}`);
        const y = await w.keyIdByThumbprint(t, w.keys[1]!);
        const text = await w.challenge(t);
        const [lock, activate] = await race(
          () => w.lock(t, w.keys[0]!, text, 0),
          () => w.activate(t, y, 1),
          offset,
        );
        expect(
          [won(lock), won(activate)].filter(Boolean),
          `${lock.status} ${JSON.stringify(lock.body)} / ${activate.status} ${JSON.stringify(activate.body)}`,
        ).toHaveLength(1);
        await w.settle(t.id);
        const keys = await w.store.keys.listByTenant(t.id, 'eu');
        if (won(lock)) expect(keys.map((k) => k.state)).toEqual(['Locked']);
        else expect(keys.find((k) => k.id === y)?.state).toBe('Active');
        await w.checkInvariants(t);
        count('lock/activate');
      }
    });

    it('lock against upload: the new key never outlives the lock', { timeout: 600_000 }, async () => {
      for (const [i, offset] of offsets.entries()) {
        const t = await w.lockable(`lock-upload ${i}`);
        const text = await w.challenge(t);
        const [lock, upload] = await race(
          () => w.lock(t, w.keys[0]!, text, 0),
          () => w.upload(t, w.keys[2]!, 'Z', 1),
          offset,
        );
        // Upload first: the lock is refused (72 h since a key change); lock first: R9 refuses the upload.
        expect(
          [won(lock), won(upload)].filter(Boolean),
          `${lock.status} ${JSON.stringify(lock.body)} / ${upload.status} ${JSON.stringify(upload.body)}`,
        ).toHaveLength(1);
        await w.settle(t.id);
        if (won(lock)) expect(await w.store.keys.findByThumbprint(t.id, w.keys[2]!.thumbprint)).toBeUndefined();
        await w.checkInvariants(t);
        count('lock/upload');
      }
    });

    it('lock against apply: the environment is either locked with the rest or never half-applied', { timeout: 600_000 }, async () => {
      for (const [i, offset] of offsets.entries()) {
        const t = await w.lockable(`lock-apply ${i}`);
        const text = await w.challenge(t);
        const [lock, apply] = await race(
          () => w.lock(t, w.keys[0]!, text, 0),
          () => w.apply(t, t.providerEnv, 1),
          offset,
        );
        const answers = `${lock.status} ${JSON.stringify(lock.body)} / ${apply.status} ${JSON.stringify(apply.body)}`;
        expect(won(lock) || won(apply), answers).toBe(true);
        await w.settle(t.id);
        const env = (await w.store.environments.get(t.providerEnv))!;
        if (won(lock) && won(apply)) {
          // Serial only as "the apply finished, then the lock began": the environment went under the
          // tenant key and was locked with the rest.
          expect(new Date(apply.body.operation.createdAt).getTime(), answers).toBeLessThanOrEqual(new Date(lock.body.operation.createdAt).getTime());
          expect(env.encryption, answers).toMatchObject({ mode: 'tenant', status: 'locked' });
        } else if (won(apply)) expect(env.encryption).toMatchObject({ mode: 'tenant', status: 'ready' });
        else expect(env.encryption).toMatchObject({ mode: 'provider', status: 'ready' });
        await w.checkInvariants(t);
        count('lock/apply');
      }
    });

    it('two first uploads: one key becomes Active, the other arrives Available, neither fails', { timeout: 600_000 }, async () => {
      for (const [i, offset] of offsets.entries()) {
        const t = await w.tenant(`first-uploads ${i}`);
        const [a, b] = await race(
          () => w.upload(t, w.keys[0]!, 'A', 0),
          () => w.upload(t, w.keys[1]!, 'B', 1),
          offset,
        );
        expect([a.status, b.status], `${JSON.stringify(a.body)} / ${JSON.stringify(b.body)}`).toEqual([201, 201]);
        expect([a.body.operation, b.body.operation].filter((op) => op !== null)).toHaveLength(1);
        await w.settle(t.id);
        expect((await w.store.keys.listByTenant(t.id, 'eu')).map((k) => k.state).sort()).toEqual(['Active', 'Available']);
        await w.checkInvariants(t);
        count('first uploads');
      }
    });

    it('two unlocks of the locked key: exactly one brings it back', { timeout: 600_000 }, async () => {
      for (const [i, offset] of offsets.entries()) {
        const t = await locked(w, `double-unlock ${i}`);
        const x = await w.keyIdByThumbprint(t, w.keys[0]!);
        const [a, b] = await race(
          () => w.unlockKey(t, x, w.keys[0]!, 0),
          () => w.unlockKey(t, x, w.keys[0]!, 1),
          offset,
        );
        expect([won(a), won(b)].filter(Boolean), `${a.status} ${JSON.stringify(a.body)} / ${b.status} ${JSON.stringify(b.body)}`).toHaveLength(1);
        await w.settle(t.id);
        expect((await w.store.keys.get(x))?.state).toBe('Active');
        await w.checkInvariants(t);
        count('double unlock');
      }
    });

    it('unlocking an environment against unlocking its key: never readable before the key is back', { timeout: 600_000 }, async () => {
      for (const [i, offset] of offsets.entries()) {
        const t = await locked(w, `unlock-env-key ${i}`);
        const x = await w.keyIdByThumbprint(t, w.keys[0]!);
        const [env, key] = await race(
          () => w.unlockEnvironment(t, t.cmkEnv, 0),
          () => w.unlockKey(t, x, w.keys[0]!, 1),
          offset,
        );
        expect(key.status, JSON.stringify(key.body)).toBe(202);
        // The environment may unlock only once the key unlock has finished (a serial order).
        if (won(env)) expect(env.status).toBe(202);
        else expect(['NO_ACTIVE_KEY', 'CONFLICT'], JSON.stringify(env.body)).toContain(env.body.code);
        await w.settle(t.id);
        await w.checkInvariants(t);
        count('unlock env/key');
      }
    });
  });
}

/** A lockable tenant, locked, and the unlock gate (1 h) open. */
async function locked(w: RaceWorld, name: string) {
  const t = await w.lockable(name);
  expect((await w.lock(t, w.keys[0]!, await w.challenge(t))).status).toBe(202);
  await w.settle(t.id);
  await w.advanceHours(2);
  return t;
}
