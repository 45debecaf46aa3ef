import { createHash } from 'node:crypto';

/**
 * The tamper evidence of the audit log: each tenant's entries form a hash chain, where every
 * entry's hash covers all of its fields and the previous entry's hash. Changing, removing or
 * reordering any entry breaks the chain at that entry (and the stored head, when compared,
 * catches entries cut off the end). Pure: the stores compute hashes here and verifiers check
 * them here, so both always agree on one encoding.
 */

/** The `prevHash` of a tenant's first entry. */
export const GENESIS_HASH = '0'.repeat(64);

/** Version tag inside the encoding: a future change of the encoding must not verify as this one. */
const ENCODING_VERSION = 'keyward-audit-v1';

/**
 * An audit entry as the chain sees it. Declared here, not imported from the port, so the domain
 * depends on nothing; the port's AuditEntry has exactly this shape.
 */
export interface ChainedEntry {
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

export type ChainedFields = Omit<ChainedEntry, 'hash'>;

/**
 * The exact bytes that are hashed. A JSON array of strings and numbers is unambiguous (every
 * string is quoted and escaped, null is distinct from ""), so no two different entries share
 * an encoding, whatever characters actors or targets contain.
 */
export function canonicalAuditEncoding(entry: ChainedFields): string {
  return JSON.stringify([
    ENCODING_VERSION,
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

/** SHA-256, lowercase hex, of the canonical encoding. */
export function auditHash(entry: ChainedFields): string {
  return createHash('sha256').update(canonicalAuditEncoding(entry), 'utf8').digest('hex');
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
export function verifyAuditChain(entries: readonly ChainedEntry[], head?: AuditChainHead): AuditChainVerdict {
  let expectedSeq = 1;
  let expectedPrev = GENESIS_HASH;
  const tenantId = entries[0]?.tenantId;

  for (const entry of entries) {
    if (entry.seq !== expectedSeq) {
      return broken(Math.min(expectedSeq, entry.seq), `expected entry ${expectedSeq}, found ${entry.seq}`);
    }
    if (entry.tenantId !== tenantId) return broken(entry.seq, 'entry belongs to another tenant');
    if (entry.prevHash !== expectedPrev) return broken(entry.seq, 'prevHash does not match the previous entry');
    if (Number.isNaN(entry.at.getTime())) return broken(entry.seq, 'time is not a valid date');
    if (auditHash(entry) !== entry.hash) return broken(entry.seq, 'hash does not match the entry');
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
