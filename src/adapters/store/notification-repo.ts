import { createHash } from 'node:crypto';
import type { ExpressionBuilder } from 'kysely';
import type { NotificationRepo, QueuedNotification } from '../../ports/notification-store.js';
import { assertOneRow, type Executor } from './executor.js';
import type { ControlDatabase, NotificationRow } from './schema.js';

/**
 * A fresh message is due at once, whatever clock stamped `createdAt`: the use case's clock may
 * be the dev clock, days ahead of the real time dispatchers compare with.
 */
const DUE_AT_ONCE = new Date(0).toISOString();

/** Errors are kept for people to read; an SMTP transcript does not need more than this. */
const MAX_ERROR_LENGTH = 1_000;

/**
 * Derived from the idempotency key rather than drawn at random: every instance computes the
 * same id for the same message, and the repo needs no id source of its own.
 */
const idFor = (idempotencyKey: string): string => `ntf_${createHash('sha256').update(idempotencyKey, 'utf8').digest('hex').slice(0, 32)}`;

function notificationFromRow(row: NotificationRow): QueuedNotification {
  const to: unknown = JSON.parse(row.recipients);
  if (!Array.isArray(to)) throw new Error('Control store column notifications.recipients does not hold a JSON array.');
  return {
    id: row.id,
    idempotencyKey: row.idempotency_key,
    tenantId: row.tenant_id,
    to: to.map(String),
    subject: row.subject,
    text: row.body,
    createdAt: new Date(row.created_at),
    attempts: Number(row.attempts),
    nextAttemptAt: new Date(row.next_attempt_at),
    sentAt: row.sent_at === null ? null : new Date(row.sent_at),
    lastError: row.last_error,
  };
}

/** Unsent, due, and not leased by anyone (or leased by a dispatcher that has since gone quiet). */
function claimable(at: string) {
  return (eb: ExpressionBuilder<ControlDatabase, 'notifications'>) =>
    eb.and([eb('sent_at', 'is', null), eb('next_attempt_at', '<=', at), eb.or([eb('lease_until', 'is', null), eb('lease_until', '<=', at)])]);
}

const byDueOrder = (a: QueuedNotification, b: QueuedNotification): number =>
  a.nextAttemptAt.getTime() - b.nextAttemptAt.getTime() || a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

export function notificationRepo(db: Executor): NotificationRepo {
  return {
    async enqueue(draft) {
      if (draft.idempotencyKey === '') throw new RangeError('A notification needs an idempotency key.');
      if (draft.to.length === 0) throw new RangeError('A notification needs at least one recipient.');
      // Insert-or-nothing, so a use case retried after a crash (or raced by another instance)
      // queues its message once; the first one queued is the one sent.
      await db()
        .insertInto('notifications')
        .values({
          id: idFor(draft.idempotencyKey),
          idempotency_key: draft.idempotencyKey,
          tenant_id: draft.tenantId,
          recipients: JSON.stringify(draft.to),
          subject: draft.subject,
          body: draft.text,
          created_at: draft.createdAt.toISOString(),
          attempts: 0,
          next_attempt_at: DUE_AT_ONCE,
          lease_until: null,
          sent_at: null,
          last_error: null,
        })
        .onConflict((oc) => oc.column('idempotency_key').doNothing())
        .execute();
    },

    async claimDue(now, leaseUntil, limit) {
      if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError('claimDue needs a positive whole limit.');
      const at = now.toISOString();
      // One statement picks and leases. On PostgreSQL the pick locks its rows and skips rows
      // another dispatcher holds, so two dispatchers take different messages without waiting;
      // the outer condition is checked again on each row's latest version should one slip
      // through. The pick is a materialised CTE because PostgreSQL may run an `in (subquery)`
      // more than once per statement, and a second run (skipping the rows the first one locked)
      // would lease more than `limit`. SQLite runs the whole statement under its one write lock.
      const rows = await db()
        .with(
          (cte) => cte('picked').materialized(),
          (qb) =>
            qb
              .selectFrom('notifications')
              .select('id')
              .where(claimable(at))
              .orderBy('next_attempt_at')
              .orderBy('created_at')
              .orderBy('id')
              .limit(limit)
              .$call((q) => db.dialect.lockClaimed(q)),
        )
        .updateTable('notifications')
        .set((eb) => ({ lease_until: leaseUntil.toISOString(), attempts: eb('attempts', '+', 1) }))
        .where('id', 'in', (eb) => eb.selectFrom('picked').select('picked.id'))
        .where(claimable(at))
        .returningAll()
        .execute();
      return rows.map(notificationFromRow).sort(byDueOrder);
    },

    async markSent(id, at) {
      // A message sent twice (a lease that ran out mid-send) keeps its first time.
      const result = await db()
        .updateTable('notifications')
        .set((eb) => ({ sent_at: eb.fn.coalesce('sent_at', eb.val(at.toISOString())), lease_until: null, last_error: null }))
        .where('id', '=', id)
        .executeTakeFirst();
      assertOneRow(result, 'No such notification.');
    },

    async markFailed(id, nextAttemptAt, error) {
      // Never turns a sent message back into an unsent one.
      await db()
        .updateTable('notifications')
        .set({ next_attempt_at: nextAttemptAt.toISOString(), lease_until: null, last_error: error.slice(0, MAX_ERROR_LENGTH) })
        .where('id', '=', id)
        .where('sent_at', 'is', null)
        .execute();
    },

    async listByTenant(tenantId) {
      const rows = await db().selectFrom('notifications').selectAll().where('tenant_id', '=', tenantId).orderBy('created_at').orderBy('id').execute();
      return rows.map(notificationFromRow);
    },
  };
}
