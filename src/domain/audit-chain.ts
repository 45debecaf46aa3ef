import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * The tamper evidence of the audit log: each tenant's entries form a chain, where every entry's
 * `hash` covers all of its fields and the previous entry's `hash`. Changing, removing or
 * reordering any entry breaks the chain at that entry (and the stored head, when compared,
 * catches entries cut off the end).
 *
 * Version 2 (SPEC L5) makes the chain keyed: `hash` is an HMAC-SHA256 under an audit key the
 * vault holds (the software vault sealed under the master key, an HSM inside the token), so
 * whoever can write the store cannot recompute a rewritten history; the head, e-mailed with
 * every key change, anchors it outside the store as well. Version 1 (unkeyed SHA-256, written
 * before keyed chains existed) is accepted only as a prefix: once a tenant's chain holds a v2
 * entry, every later one must be v2. Pure: the MAC is a function the caller hands in.
 */

/** The `prevHash` of a tenant's first entry. */
export const GENESIS_HASH = '0'.repeat(64);

/** Version tags inside the encodings: a future change of the encoding must not verify as another. */
const ENCODING_TAG = { 1: 'keyward-audit-v1', 2: 'keyward-audit-v2' } as const;
export type AuditChainVersion = keyof typeof ENCODING_TAG;
export const CURRENT_AUDIT_VERSION: AuditChainVersion = 2;

/** HMAC-SHA256 under the vault's audit key (the vault computes it; here only its shape). */
export type AuditMac = (bytes: Buffer) => Promise<Buffer>;

/**
 * An audit entry as the chain sees it. Declared here, not imported from the port, so the domain
 * depends on nothing; the port's AuditEntry has exactly this shape.
 */
export interface ChainedEntry {
  /** How `hash` was computed: 1 unkeyed SHA-256 (legacy), 2 keyed HMAC. */
  version: AuditChainVersion;
  tenantId: string;
  seq: number;
  at: Date;
  actor: string;
  action: string;
  target: string;
  outcome: string;
  detail: string | null;
  prevHash: string;
  hash: string;
}

export type ChainedFields = Omit<ChainedEntry, 'hash' | 'version'>;

/**
 * The exact bytes that are hashed. A JSON array of strings and numbers is unambiguous (every
 * string is quoted and escaped, null is distinct from ""), so no two different entries share
 * an encoding, whatever characters actors or targets contain.
 */
export function canonicalAuditEncoding(entry: ChainedFields, version: AuditChainVersion = CURRENT_AUDIT_VERSION): string {
  return JSON.stringify([
    ENCODING_TAG[version],
    entry.tenantId,
    entry.seq,
    entry.at.toISOString(),
    entry.actor,
    entry.action,
    entry.target,
    entry.outcome,
    entry.detail,
    entry.prevHash,
  ]);
}

/** Version 1: SHA-256, lowercase hex, of the canonical encoding (verifying old entries only). */
export function legacyAuditHash(entry: ChainedFields): string {
  return createHash('sha256').update(canonicalAuditEncoding(entry, 1), 'utf8').digest('hex');
}

/** Version 2: the vault's HMAC, lowercase hex, of the canonical encoding. What appends write. */
export async function keyedAuditHash(entry: ChainedFields, mac: AuditMac): Promise<string> {
  return (await mac(Buffer.from(canonicalAuditEncoding(entry, 2), 'utf8'))).toString('hex');
}

function timingSafeHexEqual(a: string, b: string): boolean {
  return a.length === b.length && timingSafeEqual(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

export type AuditChainVerdict = { ok: true } | { ok: false; brokenAtSeq: number; reason: string };

/** Where the chain must end: the head a store keeps beside the entries. */
export interface AuditChainHead {
  seq: number;
  hash: string;
}

/**
 * Checks a tenant's whole chain, given in seq order from seq 1. Reports the first seq at which
 * it breaks: a field changed (hash mismatch), an entry missing or moved (seq gap), a link
 * rewritten (prevHash mismatch), or, given the expected `head`, entries cut off the end.
 */
export async function verifyAuditChain(
  entries: readonly ChainedEntry[],
  head: AuditChainHead | undefined,
  mac: AuditMac,
): Promise<AuditChainVerdict> {
  let expectedSeq = 1;
  let expectedPrev = GENESIS_HASH;
  let keyed = false;
  const tenantId = entries[0]?.tenantId;

  for (const entry of entries) {
    if (entry.seq !== expectedSeq) {
      return broken(Math.min(expectedSeq, entry.seq), `expected entry ${expectedSeq}, found ${entry.seq}`);
    }
    if (entry.tenantId !== tenantId) return broken(entry.seq, 'entry belongs to another tenant');
    if (entry.prevHash !== expectedPrev) return broken(entry.seq, 'prevHash does not match the previous entry');
    if (Number.isNaN(entry.at.getTime())) return broken(entry.seq, 'time is not a valid date');
    if (entry.version === 1 && keyed) return broken(entry.seq, 'an unkeyed entry follows keyed ones');
    keyed ||= entry.version === 2;
    const expected = entry.version === 1 ? legacyAuditHash(entry) : await keyedAuditHash(entry, mac);
    if (!timingSafeHexEqual(expected, entry.hash)) return broken(entry.seq, 'hash does not match the entry');
    expectedSeq += 1;
    expectedPrev = entry.hash;
  }

  if (head !== undefined) {
    const lastSeq = expectedSeq - 1;
    if (head.seq > lastSeq) return broken(lastSeq + 1, `entries after ${lastSeq} are missing (head is ${head.seq})`);
    if (head.seq < lastSeq) return broken(head.seq + 1, `entries beyond the head (${head.seq}) were added`);
    if (head.seq > 0 && head.hash !== expectedPrev) return broken(head.seq, 'last entry does not match the head');
  }
  return { ok: true };
}

function broken(seq: number, reason: string): AuditChainVerdict {
  return { ok: false, brokenAtSeq: seq, reason };
}
