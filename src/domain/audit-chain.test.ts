import { describe, expect, it } from 'vitest';
import { auditHash, canonicalAuditEncoding, GENESIS_HASH, verifyAuditChain, type ChainedEntry } from './audit-chain.js';

function chain(length: number, tenantId = 'ten_1'): ChainedEntry[] {
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
    const entry = { ...fields, hash: auditHash(fields) };
    entries.push(entry);
    prevHash = entry.hash;
  }
  return entries;
}

const last = (entries: ChainedEntry[]) => entries[entries.length - 1]!;

describe('audit chain', () => {
  it('hashes a versioned, unambiguous encoding', () => {
    const [entry] = chain(1);
    expect(canonicalAuditEncoding(entry!)).toMatch(/^\["keyward-audit-v1","ten_1",1,"2024-01-01T00:00:01.000Z",/);
    expect(entry!.hash).toMatch(/^[0-9a-f]{64}$/);
    // Field boundaries cannot be shifted: "a|b" + "c" differs from "a" + "b|c", and null from "".
    const base = { ...entry!, actor: 'a","b', action: 'c' };
    expect(auditHash(base)).not.toBe(auditHash({ ...entry!, actor: 'a', action: 'b","c' }));
    expect(auditHash({ ...entry!, detail: null })).not.toBe(auditHash({ ...entry!, detail: '' }));
  });

  it('verifies an intact chain, an empty one, and one ending at its head', () => {
    const entries = chain(5);
    expect(verifyAuditChain(entries)).toEqual({ ok: true });
    expect(verifyAuditChain([])).toEqual({ ok: true });
    expect(verifyAuditChain(entries, { seq: 5, hash: last(entries).hash })).toEqual({ ok: true });
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
  ] as const)('finds a changed %s at the entry that was changed', (field, value) => {
    for (const seq of [1, 3, 5]) {
      const entries = chain(5);
      entries[seq - 1] = { ...entries[seq - 1]!, [field]: value };
      const verdict = verifyAuditChain(entries);
      expect(verdict, `${field} of entry ${seq}`).toMatchObject({ ok: false, brokenAtSeq: seq });
    }
  });

  it('finds a removed, moved or invalid entry, and entries cut off the end', () => {
    const entries = chain(5);
    expect(verifyAuditChain([...entries.slice(0, 2), ...entries.slice(3)])).toMatchObject({ ok: false, brokenAtSeq: 3 });
    expect(verifyAuditChain(entries.slice(1))).toMatchObject({ ok: false, brokenAtSeq: 1 });
    expect(verifyAuditChain([entries[1]!, entries[0]!, ...entries.slice(2)])).toMatchObject({ ok: false, brokenAtSeq: 1 });
    const invalid = [...entries];
    invalid[3] = { ...entries[3]!, at: new Date('not a date') };
    expect(verifyAuditChain(invalid)).toMatchObject({ ok: false, brokenAtSeq: 4, reason: expect.stringMatching(/date/) });

    const head = { seq: 5, hash: last(entries).hash };
    expect(verifyAuditChain(entries.slice(0, 3), head)).toMatchObject({ ok: false, brokenAtSeq: 4 });
    expect(verifyAuditChain([], head)).toMatchObject({ ok: false, brokenAtSeq: 1 });
    expect(verifyAuditChain(entries, { seq: 5, hash: 'e'.repeat(64) })).toMatchObject({ ok: false, brokenAtSeq: 5 });
    expect(verifyAuditChain(entries, { seq: 4, hash: entries[3]!.hash })).toMatchObject({ ok: false, brokenAtSeq: 5 });
  });

  it('does not let a whole chain be rebuilt for another tenant', () => {
    const entries = chain(3).map((e) => ({ ...e, tenantId: 'ten_9' }));
    expect(verifyAuditChain(entries)).toMatchObject({ ok: false, brokenAtSeq: 1 });
  });
});
