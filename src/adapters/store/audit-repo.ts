import type { Kysely } from 'kysely';
import { CURRENT_AUDIT_VERSION, GENESIS_HASH, keyedAuditHash, type AuditChainVersion, type AuditMac } from '../../domain/audit-chain.js';
import type { AuditDraft, AuditEntry, AuditOutcome, AuditRepo } from '../../ports/audit-store.js';
import { insertUnique, type Executor } from './executor.js';
import type { AuditRow, ControlDatabase } from './schema.js';

const OUTCOMES: readonly AuditOutcome[] = ['allowed', 'refused', 'succeeded', 'failed'];

/** Page sizes beyond this are a caller bug (an unbounded read of a log that only grows). */
const MAX_PAGE = 10_000;

function entryFromRow(row: AuditRow): AuditEntry {
  return {
    version: Number(row.version) as AuditChainVersion,
    tenantId: row.tenant_id,
    seq: Number(row.seq),
    // An unparsable stored time stays an invalid Date, which the verifier reports, rather than
    // throwing here and hiding the rest of the chain from whoever is investigating.
    at: new Date(row.at),
    actor: row.actor,
    action: row.action,
    target: row.target,
    outcome: row.outcome as AuditOutcome,
    detail: row.detail,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

/**
 * Appends one entry on `trx`, which must be a transaction: the head row's lock, taken by the
 * upsert, is held until commit, so concurrent appends of a tenant (on any server instance)
 * queue on it and each reads the head its predecessor committed. On PostgreSQL a waiter's
 * upsert re-reads the row once the lock is free; SQLite has one writer at a time anyway.
 * The primary key (tenant_id, seq) backs this up: a seq can never be stored twice.
 */
async function appendIn(db: Executor, trx: Kysely<ControlDatabase>, draft: AuditDraft, mac: AuditMac): Promise<AuditEntry> {
  if (!OUTCOMES.includes(draft.outcome)) throw new RangeError(`Unknown audit outcome "${String(draft.outcome)}".`);
  // Throws on an invalid Date before anything is written.
  const at = draft.at.toISOString();

  // Insert the head at seq 1 or move it one on; RETURNING gives the new seq and the hash the
  // head still holds, which is the previous entry's.
  const head = await trx
    .insertInto('audit_heads')
    .values({ tenant_id: draft.tenantId, seq: 1, hash: GENESIS_HASH })
    .onConflict((oc) => oc.column('tenant_id').doUpdateSet((eb) => ({ seq: eb('audit_heads.seq', '+', 1) })))
    .returning(['seq', 'hash'])
    .executeTakeFirstOrThrow();

  const unsealed = {
    tenantId: draft.tenantId,
    seq: Number(head.seq),
    at: new Date(at),
    actor: draft.actor,
    action: draft.action,
    target: draft.target,
    outcome: draft.outcome,
    detail: draft.detail,
    prevHash: head.hash,
  };
  const entry: AuditEntry = { ...unsealed, version: CURRENT_AUDIT_VERSION, hash: await keyedAuditHash(unsealed, mac) };

  await insertUnique(
    db,
    () =>
      trx
        .insertInto('audit_log')
        .values({
          version: entry.version,
          tenant_id: entry.tenantId,
          seq: entry.seq,
          at,
          actor: entry.actor,
          action: entry.action,
          target: entry.target,
          outcome: entry.outcome,
          detail: entry.detail,
          prev_hash: entry.prevHash,
          hash: entry.hash,
        })
        .execute(),
    // Only when the head was removed or rolled back behind its entries by hand.
    'The audit chain head is behind its entries; the audit log may have been tampered with.',
  );
  await trx.updateTable('audit_heads').set({ hash: entry.hash }).where('tenant_id', '=', entry.tenantId).execute();
  return entry;
}

/**
 * The audit log over one executor. Append-only by construction: there is no update or delete.
 * `append` joins the transaction it is called in (tx.audit, so the entry commits with the
 * change it records) or, called outside one, runs in a short transaction of its own.
 */
export function auditRepo(db: Executor): AuditRepo {
  return {
    async append(draft, mac) {
      const executor = db();
      if (executor.isTransaction) return appendIn(db, executor, draft, mac);
      return executor.transaction().execute((trx) => appendIn(db, trx, draft, mac));
    },

    async list(tenantId, { afterSeq = 0, limit }) {
      if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_PAGE) {
        throw new RangeError(`Audit page limit must be a whole number from 1 to ${MAX_PAGE}.`);
      }
      const rows = await db()
        .selectFrom('audit_log')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('seq', '>', afterSeq)
        .orderBy('seq')
        .limit(limit)
        .execute();
      return rows.map(entryFromRow);
    },

    async head(tenantId) {
      const row = await db().selectFrom('audit_heads').select(['seq', 'hash']).where('tenant_id', '=', tenantId).executeTakeFirst();
      return row && { seq: Number(row.seq), hash: row.hash };
    },
  };
}
