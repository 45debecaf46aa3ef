import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GENESIS_HASH, keyedAuditHash, legacyAuditHash, verifyAuditChain } from '../../src/domain/audit-chain.js';
import { auditMac, testAuditMac } from '../support/audit-mac.js';
import type { AuditDraft, AuditEntry } from '../../src/ports/audit-store.js';
import type { Store } from '../../src/ports/store.js';
import { newId } from './store-fixtures.js';

export interface AuditStoreTarget {
  /** Opens (and migrates) a new store instance on the suite's database: same data every time. */
  open(): Promise<Store>;
  /** Runs one SQL statement on that database behind the store's back: how a tamperer would. */
  sql(statement: string): Promise<void>;
  /**
   * Whether two store instances of one process may hold transactions at the same time. Not on
   * SQLite: its synchronous driver blocks the thread while it waits for the write lock, so the
   * instance holding the lock can never finish. There, other instances are other processes, and
   * the runner tests them so.
   */
  instancesInOneProcess: boolean;
}

/** A SQL literal for the tamper statements (test-made values only). */
const lit = (value: string | number | null): string =>
  value === null ? 'null' : typeof value === 'number' ? String(value) : `'${value.replace(/'/g, "''")}'`;

function aDraft(tenantId: string, i: number, overrides: Partial<AuditDraft> = {}): AuditDraft {
  return {
    tenantId,
    at: new Date(Date.UTC(2024, 2, 1, 10, 0, i, 456)),
    actor: `Åsa-${i}@contoso.example (usr_${i})`,
    action: i % 3 === 0 ? 'tenant.lock' : 'key.activate',
    target: `key:key_${i} — "quoted" 東京`,
    outcome: i % 2 === 0 ? 'refused' : 'succeeded',
    detail: i % 2 === 0 ? 'ACTIVATION_COOLDOWN' : null,
    ...overrides,
  };
}

/**
 * The contract of the audit log on every store adapter: a hash chain per tenant, readable in
 * pages, joined to the caller's transaction, serialised per tenant across two store instances
 * (two servers), and tamper-evident against direct SQL changes to any column of any row.
 */
export function auditStoreContract(target: AuditStoreTarget): void {
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

  async function appendMany(tenantId: string, count: number): Promise<AuditEntry[]> {
    const entries: AuditEntry[] = [];
    for (let i = 1; i <= count; i += 1) entries.push(await store.audit.append(aDraft(tenantId, i), auditMac));
    return entries;
  }

  async function whole(tenantId: string, via: Store = store): Promise<AuditEntry[]> {
    return via.audit.list(tenantId, { limit: 10_000 });
  }

  async function verdict(tenantId: string) {
    return verifyAuditChain(await whole(tenantId), await store.audit.head(tenantId), auditMac);
  }

  describe('appending and reading', () => {
    it('chains entries from seq 1, round-trips every field, and keeps tenants apart', async () => {
      const tenantId = newId();
      const elsewhere = newId();
      expect(await store.audit.head(tenantId)).toBeUndefined();
      expect(await store.audit.list(tenantId, { limit: 10 })).toEqual([]);

      const first = await store.audit.append(aDraft(tenantId, 1), auditMac);
      await other.audit.append(aDraft(elsewhere, 1), auditMac);
      const second = await other.audit.append(aDraft(tenantId, 2), auditMac);

      expect(first).toMatchObject({ ...aDraft(tenantId, 1), seq: 1, prevHash: GENESIS_HASH });
      expect(first).toMatchObject({ version: 2, hash: await keyedAuditHash(first, auditMac) });
      expect(second).toMatchObject({ ...aDraft(tenantId, 2), seq: 2, prevHash: first.hash });
      expect(await whole(tenantId)).toEqual([first, second]);
      expect(await store.audit.head(tenantId)).toEqual({ seq: 2, hash: second.hash });
      expect(await verdict(tenantId)).toEqual({ ok: true });
      expect((await whole(elsewhere)).map((e) => e.seq)).toEqual([1]);
    });

    it('pages in seq order after a given seq', async () => {
      const tenantId = newId();
      const entries = await appendMany(tenantId, 7);
      expect(await store.audit.list(tenantId, { limit: 3 })).toEqual(entries.slice(0, 3));
      expect(await store.audit.list(tenantId, { afterSeq: 3, limit: 3 })).toEqual(entries.slice(3, 6));
      expect(await store.audit.list(tenantId, { afterSeq: 6, limit: 3 })).toEqual(entries.slice(6));
      expect(await store.audit.list(tenantId, { afterSeq: 7, limit: 3 })).toEqual([]);
      await expect(store.audit.list(tenantId, { limit: 0 })).rejects.toThrow(RangeError);
    });

    it('refuses a draft it cannot record faithfully, writing nothing', async () => {
      const tenantId = newId();
      await expect(store.audit.append(aDraft(tenantId, 1, { at: new Date('nope') }), auditMac)).rejects.toThrow();
      await expect(store.audit.append(aDraft(tenantId, 1, { outcome: 'maybe' as never }), auditMac)).rejects.toThrow(/outcome/);
      expect(await store.audit.head(tenantId)).toBeUndefined();
      expect((await store.audit.append(aDraft(tenantId, 1), auditMac)).seq).toBe(1);
    });
  });

  describe('transactions', () => {
    it('commits with the unit of work it is part of, and rolls back with it', async () => {
      const tenantId = newId();
      const kept = await store.transaction((tx) => tx.audit.append(aDraft(tenantId, 1), auditMac));
      const boom = new Error('boom');
      await expect(
        store.transaction(async (tx) => {
          await tx.audit.append(aDraft(tenantId, 2), auditMac);
          await tx.audit.append(aDraft(tenantId, 3), auditMac);
          expect((await tx.audit.list(tenantId, { limit: 10 })).map((e) => e.seq)).toEqual([1, 2, 3]);
          throw boom;
        }),
      ).rejects.toBe(boom);
      expect(await whole(tenantId)).toEqual([kept]);
      expect(await store.audit.head(tenantId)).toEqual({ seq: 1, hash: kept.hash });
      // The seq a rolled-back entry had is handed out again: no gap in the chain.
      expect((await other.audit.append(aDraft(tenantId, 4), auditMac)).seq).toBe(2);
      expect(await verdict(tenantId)).toEqual({ ok: true });
    });
  });

  describe('concurrency', () => {
    /** Who appends concurrently: two instances where the dialect allows, else one (see target). */
    const writers = () => (target.instancesInOneProcess ? [store, other] : [store]);

    it('serialises 100 concurrent appends of one tenant into seq 1..100', async () => {
      const tenantId = newId();
      const neighbour = newId();
      const results = await Promise.all(
        Array.from({ length: 100 }, (_, i) =>
          writers()[i % writers().length]!.audit.append(aDraft(i % 10 === 9 ? neighbour : tenantId, i + 1), auditMac),
        ),
      );
      const mine = results.filter((e) => e.tenantId === tenantId).map((e) => e.seq);
      expect(mine.sort((a, b) => a - b)).toEqual(Array.from({ length: 90 }, (_, i) => i + 1));
      expect((await whole(tenantId, other)).map((e) => e.seq)).toEqual(mine);
      expect(await verdict(tenantId)).toEqual({ ok: true });
      expect(await verdict(neighbour)).toEqual({ ok: true });
      expect((await store.audit.head(neighbour))?.seq).toBe(10);
    });

    it('serialises concurrent appends inside transactions', async () => {
      const tenantId = newId();
      await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          writers()[i % writers().length]!.transaction(async (tx) => {
            await tx.audit.append(aDraft(tenantId, 2 * i), auditMac);
            await tx.audit.append(aDraft(tenantId, 2 * i + 1), auditMac);
          }),
        ),
      );
      const entries = await whole(tenantId);
      expect(entries.map((e) => e.seq)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
      // Both entries of one unit of work are adjacent: the head stayed locked in between.
      for (let i = 0; i < 40; i += 2) expect(entries[i + 1]!.at.getTime() - entries[i]!.at.getTime()).toBe(1_000);
      expect(await verdict(tenantId)).toEqual({ ok: true });
    });
  });

  describe('tamper evidence', () => {
    const changes: Record<string, (seq: number) => string> = {
      tenant_id: () => lit(newId()),
      seq: (seq) => lit(seq + 1000),
      at: () => lit('2030-01-01T00:00:00.000Z'),
      actor: () => lit('operator'),
      action: () => lit('key.generate'),
      target: () => lit('key:key_someone_else'),
      outcome: () => lit('allowed'),
      detail: () => lit('tampered'),
      prev_hash: () => lit('f'.repeat(64)),
      hash: () => lit('0'.repeat(64)),
    };

    for (const [column, value] of Object.entries(changes)) {
      it(`finds a changed ${column} at the changed entry (first, middle and last)`, async () => {
        for (const seq of [1, 3, 5]) {
          const tenantId = newId();
          await appendMany(tenantId, 5);
          expect(await verdict(tenantId)).toEqual({ ok: true });
          await target.sql(`update audit_log set ${column} = ${value(seq)} where tenant_id = ${lit(tenantId)} and seq = ${seq}`);
          expect(await verdict(tenantId), `${column} of entry ${seq}`).toMatchObject({ ok: false, brokenAtSeq: seq });
        }
      });
    }

    it('finds an entry deleted from the middle or cut off the end', async () => {
      const tenantId = newId();
      await appendMany(tenantId, 5);
      await target.sql(`delete from audit_log where tenant_id = ${lit(tenantId)} and seq = 5`);
      expect(await verdict(tenantId)).toMatchObject({ ok: false, brokenAtSeq: 5 });
      await target.sql(`delete from audit_log where tenant_id = ${lit(tenantId)} and seq = 2`);
      expect(await verdict(tenantId)).toMatchObject({ ok: false, brokenAtSeq: 2 });
    });

    it('finds a history rewritten by whoever can write the store but does not hold the audit key', async () => {
      const tenantId = newId();
      const entries = await appendMany(tenantId, 4);
      // Drop entry 3, renumber, and recompute every hash and the head, with a key of one's own.
      const forged = testAuditMac('the tamperer key');
      const kept = [entries[0]!, entries[1]!, { ...entries[3]!, seq: 3 }];
      let prev = GENESIS_HASH;
      await target.sql(`delete from audit_log where tenant_id = ${lit(tenantId)} and seq >= 3`);
      for (const e of kept) {
        const hash = await keyedAuditHash({ ...e, prevHash: prev }, forged);
        if (e.seq === 3) {
          await target.sql(
            `insert into audit_log (version, tenant_id, seq, at, actor, action, target, outcome, detail, prev_hash, hash) values (2, ${lit(tenantId)}, 3, ${lit(e.at.toISOString())}, ${lit(e.actor)}, ${lit(e.action)}, ${lit(e.target)}, ${lit(e.outcome)}, ${lit(e.detail)}, ${lit(prev)}, ${lit(hash)})`,
          );
        } else {
          await target.sql(
            `update audit_log set prev_hash = ${lit(prev)}, hash = ${lit(hash)} where tenant_id = ${lit(tenantId)} and seq = ${e.seq}`,
          );
        }
        prev = hash;
      }
      await target.sql(`update audit_heads set seq = 3, hash = ${lit(prev)} where tenant_id = ${lit(tenantId)}`);
      expect(await verdict(tenantId)).toMatchObject({ ok: false, brokenAtSeq: 1 });
    });

    it('accepts unkeyed (version 1) entries only before the first keyed one', async () => {
      const tenantId = newId();
      await appendMany(tenantId, 2);
      // Rewriting entry 2 as an unkeyed one after a keyed entry 1 is refused even though its hash fits.
      const [first, second] = await whole(tenantId);
      const legacy = legacyAuditHash(second!);
      await target.sql(`update audit_log set version = 1, hash = ${lit(legacy)} where tenant_id = ${lit(tenantId)} and seq = 2`);
      await target.sql(`update audit_heads set hash = ${lit(legacy)} where tenant_id = ${lit(tenantId)}`);
      expect(await verdict(tenantId)).toMatchObject({ ok: false, brokenAtSeq: 2, reason: expect.stringMatching(/unkeyed/) });
      // A chain that starts unkeyed and goes on keyed verifies (a log older than keyed chains).
      const older = newId();
      const one = await store.audit.append(aDraft(older, 1), auditMac);
      await target.sql(`update audit_log set version = 1, hash = ${lit(legacyAuditHash(one))} where tenant_id = ${lit(older)} and seq = 1`);
      await target.sql(`update audit_heads set hash = ${lit(legacyAuditHash(one))} where tenant_id = ${lit(older)}`);
      await store.audit.append(aDraft(older, 2), auditMac);
      expect(await verdict(older)).toEqual({ ok: true });
      void first;
    });

    it('refuses to append over entries its head no longer knows of', async () => {
      const tenantId = newId();
      await appendMany(tenantId, 3);
      await target.sql(`delete from audit_heads where tenant_id = ${lit(tenantId)}`);
      await expect(store.audit.append(aDraft(tenantId, 4), auditMac)).rejects.toThrow(/tampered/);
      expect((await whole(tenantId)).map((e) => e.seq)).toEqual([1, 2, 3]);
    });
  });
}
