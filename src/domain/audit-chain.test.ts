import { describe, expect, it } from 'vitest';
import { createHmac } from 'node:crypto';
import {
  canonicalAuditEncoding,
  GENESIS_HASH,
  keyedAuditHash,
  legacyAuditHash,
  verifyAuditChain,
  type AuditMac,
  type ChainedEntry,
} from './audit-chain.js';

const macWith =
  (key: string): AuditMac =>
  (bytes) =>
    Promise.resolve(createHmac('sha256', key).update(bytes).digest());
const mac = macWith('the vault audit key');
const verify = (entries: readonly ChainedEntry[], head?: { seq: number; hash: string }) => verifyAuditChain(entries, head, mac);

async function chain(length: number, tenantId = 'ten_1', key = mac): Promise<ChainedEntry[]> {
  const entries: ChainedEntry[] = [];
  let prevHash = GENESIS_HASH;
  for (let seq = 1; seq <= length; seq += 1) {
    const fields = {
      tenantId,
      seq,
      at: new Date(Date.UTC(2024, 0, 1, 0, 0, seq)),
      actor: `a${seq}@contoso.example (usr_${seq})`,
      action: 'key.activate',
      target: `key:key_${seq}`,
      outcome: seq % 2 === 0 ? 'refused' : 'succeeded',
      detail: seq % 2 === 0 ? 'ACTIVATION_COOLDOWN' : null,
      prevHash,
    };
    const entry = { ...fields, version: 2 as const, hash: await keyedAuditHash(fields, key) };
    entries.push(entry);
    prevHash = entry.hash;
  }
  return entries;
}

const last = (entries: ChainedEntry[]) => entries[entries.length - 1]!;

describe('audit chain', () => {
  it('hashes a versioned, unambiguous encoding, keyed', async () => {
    const [entry] = await chain(1);
    expect(canonicalAuditEncoding(entry!)).toMatch(/^\["keyward-audit-v2","ten_1",1,"2024-01-01T00:00:01.000Z",/);
    expect(canonicalAuditEncoding(entry!, 1)).toMatch(/^\["keyward-audit-v1",/);
    expect(entry!.hash).toMatch(/^[0-9a-f]{64}$/);
    // Field boundaries cannot be shifted: "a|b" + "c" differs from "a" + "b|c", and null from "".
    const base = { ...entry!, actor: 'a","b', action: 'c' };
    expect(await keyedAuditHash(base, mac)).not.toBe(await keyedAuditHash({ ...entry!, actor: 'a', action: 'b","c' }, mac));
    expect(legacyAuditHash({ ...entry!, detail: null })).not.toBe(legacyAuditHash({ ...entry!, detail: '' }));
    // Without the key the hash cannot be made: another key gives another chain.
    expect(await keyedAuditHash(entry!, macWith('a guess'))).not.toBe(entry!.hash);
  });

  it('refuses a whole chain rebuilt with another key, and unkeyed entries after keyed ones', async () => {
    const forged = await chain(3, 'ten_1', macWith('not the vault key'));
    expect(await verify(forged)).toMatchObject({ ok: false, brokenAtSeq: 1 });
    const entries = await chain(3);
    const downgraded = { ...entries[2]!, version: 1 as const, hash: legacyAuditHash(entries[2]!) };
    expect(await verify([...entries.slice(0, 2), downgraded])).toMatchObject({ ok: false, brokenAtSeq: 3 });
  });

  it('verifies an intact chain, an empty one, and one ending at its head', async () => {
    const entries = await chain(5);
    expect(await verify(entries)).toEqual({ ok: true });
    expect(await verify([])).toEqual({ ok: true });
    expect(await verify(entries, { seq: 5, hash: last(entries).hash })).toEqual({ ok: true });
  });

  it.each([
    ['tenantId', 'ten_2'],
    ['at', new Date('2030-01-01T00:00:00.000Z')],
    ['actor', 'operator'],
    ['action', 'tenant.lock'],
    ['target', 'key:key_other'],
    ['outcome', 'allowed'],
    ['detail', 'tampered'],
    ['prevHash', 'f'.repeat(64)],
    ['hash', '0'.repeat(64)],
  ] as const)('finds a changed %s at the entry that was changed', async (field, value) => {
    for (const seq of [1, 3, 5]) {
      const entries = await chain(5);
      entries[seq - 1] = { ...entries[seq - 1]!, [field]: value };
      const verdict = await verify(entries);
      expect(verdict, `${field} of entry ${seq}`).toMatchObject({ ok: false, brokenAtSeq: seq });
    }
  });

  it('finds a removed, moved or invalid entry, and entries cut off the end', async () => {
    const entries = await chain(5);
    expect(await verify([...entries.slice(0, 2), ...entries.slice(3)])).toMatchObject({ ok: false, brokenAtSeq: 3 });
    expect(await verify(entries.slice(1))).toMatchObject({ ok: false, brokenAtSeq: 1 });
    expect(await verify([entries[1]!, entries[0]!, ...entries.slice(2)])).toMatchObject({ ok: false, brokenAtSeq: 1 });
    const invalid = [...entries];
    invalid[3] = { ...entries[3]!, at: new Date('not a date') };
    expect(await verify(invalid)).toMatchObject({ ok: false, brokenAtSeq: 4, reason: expect.stringMatching(/date/) });

    const head = { seq: 5, hash: last(entries).hash };
    expect(await verify(entries.slice(0, 3), head)).toMatchObject({ ok: false, brokenAtSeq: 4 });
    expect(await verify([], head)).toMatchObject({ ok: false, brokenAtSeq: 1 });
    expect(await verify(entries, { seq: 5, hash: 'e'.repeat(64) })).toMatchObject({ ok: false, brokenAtSeq: 5 });
    expect(await verify(entries, { seq: 4, hash: entries[3]!.hash })).toMatchObject({ ok: false, brokenAtSeq: 5 });
  });

  it('does not let a whole chain be rebuilt for another tenant', async () => {
    const entries = (await chain(3)).map((e) => ({ ...e, tenantId: 'ten_9' }));
    expect(await verify(entries)).toMatchObject({ ok: false, brokenAtSeq: 1 });
  });
});
