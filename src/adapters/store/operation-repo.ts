import type { ErrorCode } from '../../domain/errors.js';
import type { Operation, OperationStatus, OperationType } from '../../domain/operation.js';
import type { OperationRepo } from '../../ports/operation-store.js';
import { insertUnique, type Executor } from './executor.js';
import type { OperationRow } from './schema.js';

function operationToRow(op: Operation): OperationRow {
  return {
    id: op.id,
    tenant_id: op.tenantId,
    type: op.type,
    status: op.status,
    progress_done: op.progress.done,
    progress_total: op.progress.total,
    error_code: op.error?.code ?? null,
    error_detail: op.error?.detail ?? null,
    input: JSON.stringify(op.input),
    created_at: op.createdAt.toISOString(),
    finished_at: op.finishedAt === null ? null : op.finishedAt.toISOString(),
    lease_owner: null,
    lease_until: null,
    not_before: null,
    attempts: 0,
    result: op.result === null ? null : JSON.stringify(op.result),
  };
}

function operationFromRow(row: OperationRow): Operation {
  const input: unknown = JSON.parse(row.input);
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new Error('Control store column operations.input does not hold a JSON object.');
  }
  return {
    id: row.id,
    tenantId: row.tenant_id,
    type: row.type as OperationType,
    status: row.status as OperationStatus,
    progress: { done: Number(row.progress_done), total: Number(row.progress_total) },
    error: row.error_code === null ? null : { code: row.error_code as ErrorCode, detail: row.error_detail ?? '' },
    input: input as Operation['input'],
    createdAt: new Date(row.created_at),
    finishedAt: row.finished_at === null ? null : new Date(row.finished_at),
    result: row.result === null ? null : (JSON.parse(row.result) as Operation['result']),
    // The row was written from an Operation of this type (operationToRow): type and input agree.
  } as Operation;
}

/** Progress is shown as "done of total"; anything else is a handler bug, caught before it is stored. */
function assertProgress(done: number, total: number): void {
  if (!Number.isSafeInteger(done) || !Number.isSafeInteger(total) || done < 0 || done > total) {
    throw new RangeError(`Operation progress ${done}/${total} is not whole numbers with 0 <= done <= total.`);
  }
}

/**
 * Operations over one executor. Every write after the claim names the lease holder in its
 * WHERE clause, so a holder whose lease was taken over changes nothing: the database, not the
 * runner's memory, decides who may still write.
 */
export function operationRepo(db: Executor): OperationRepo {
  const holder = (id: string, owner: string) =>
    db().updateTable('operations').where('id', '=', id).where('lease_owner', '=', owner).where('status', '=', 'running');

  const claim: OperationRepo['claim'] = async (owner, now, leaseUntil, types) => {
    if (types !== undefined && types.length === 0) return undefined;
    const at = now.toISOString();
    // One statement picks and takes the row. On PostgreSQL the pick locks the row and skips
    // rows other claimers hold locked, so concurrent claimers take different operations
    // instead of queueing on the same one. SQLite runs a writing statement under its single
    // write lock, so pick and take cannot interleave with another claimer there.
    const row = await db()
      .updateTable('operations')
      .set((eb) => ({ lease_owner: owner, lease_until: leaseUntil.toISOString(), attempts: eb('attempts', '+', 1) }))
      .where('id', '=', (eb) =>
        eb
          .selectFrom('operations')
          .select('id')
          .where('status', '=', 'running')
          .where((w) => w.or([w('lease_until', 'is', null), w('lease_until', '<', at)]))
          .where((w) => w.or([w('not_before', 'is', null), w('not_before', '<=', at)]))
          .$if(types !== undefined, (q) => q.where('type', 'in', types ?? []))
          .orderBy('created_at')
          .orderBy('id')
          .limit(1)
          .$call((q) => db.dialect.lockClaimed(q)),
      )
      .returningAll()
      .executeTakeFirst();
    return row && { op: operationFromRow(row), attempts: Number(row.attempts) };
  };

  return {
    async insert(op) {
      await insertUnique(db, () => db().insertInto('operations').values(operationToRow(op)).execute(), 'An operation with this id already exists.');
    },

    async get(id) {
      const row = await db().selectFrom('operations').selectAll().where('id', '=', id).executeTakeFirst();
      return row && operationFromRow(row);
    },

    async listRunning(tenantId) {
      const rows = await db()
        .selectFrom('operations')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('status', '=', 'running')
        .orderBy('created_at')
        .orderBy('id')
        .execute();
      return rows.map(operationFromRow);
    },

    claim,

    async renewLease(id, owner, leaseUntil) {
      const result = await holder(id, owner).set({ lease_until: leaseUntil.toISOString() }).executeTakeFirst();
      return result.numUpdatedRows === 1n;
    },

    async reportProgress(id, owner, done, total) {
      assertProgress(done, total);
      // A run that moves the work forward is not a poison pill: its claim count starts over, so
      // an operation interrupted many times (crashes, restarts) while making progress is never
      // given up, while one that keeps dying without progress still is.
      const result = await holder(id, owner)
        .set((eb) => ({
          progress_done: done,
          progress_total: total,
          attempts: eb.case().when('progress_done', '<', done).then(1).else(eb.ref('attempts')).end(),
        }))
        .executeTakeFirst();
      return result.numUpdatedRows === 1n;
    },

    async finish(id, owner, { status, error, finishedAt, result: outcome }) {
      if ((status === 'failed') !== (error !== null)) {
        throw new Error('A failed operation needs an error, and only a failed one may have one.');
      }
      const result = await holder(id, owner)
        .set((eb) => ({
          status,
          error_code: error?.code ?? null,
          error_detail: error?.detail ?? null,
          finished_at: finishedAt.toISOString(),
          result: outcome === undefined || outcome === null ? null : JSON.stringify(outcome),
          lease_owner: null,
          lease_until: null,
          // Succeeded means all of it was done, whatever the handler last reported.
          ...(status === 'succeeded' ? { progress_done: eb.ref('progress_total') } : {}),
        }))
        .executeTakeFirst();
      return result.numUpdatedRows === 1n;
    },

    async release(id, owner, notBefore) {
      await holder(id, owner).set({ lease_owner: null, lease_until: null, not_before: notBefore.toISOString() }).execute();
    },
  };
}
