import type { ThrottleCounter, ThrottleRepo } from '../../ports/throttle-store.js';
import type { Executor } from './executor.js';
import type { ThrottleRow } from './schema.js';

const EPOCH = new Date(0).toISOString();
const MAX_KEY = 500;
const MAX_NOTE = 1_000;

function fromRow(row: ThrottleRow): ThrottleCounter {
  return {
    key: row.key,
    scope: row.scope,
    count: Number(row.count),
    since: new Date(row.since),
    lastAt: new Date(row.last_at),
    until: row.until === null ? null : new Date(row.until),
    note: row.note,
  };
}

function toRow(c: ThrottleCounter): ThrottleRow {
  return {
    key: c.key,
    scope: c.scope,
    count: c.count,
    since: c.since.toISOString(),
    last_at: c.lastAt.toISOString(),
    until: c.until?.toISOString() ?? null,
    note: c.note === null ? null : c.note.slice(0, MAX_NOTE),
  };
}

export function throttleRepo(db: Executor): ThrottleRepo {
  return {
    async lock(key, scope) {
      if (key.length === 0 || key.length > MAX_KEY) throw new RangeError(`A throttle key has 1 to ${MAX_KEY} characters.`);
      // Make the row first (nothing if it exists), then lock it: a lock on a row that does not
      // exist yet would not stop a second instance from inserting its own. On SQLite the
      // transaction already holds the one write lock.
      await db()
        .insertInto('throttle_counters')
        .values({ key, scope, count: 0, since: EPOCH, last_at: EPOCH, until: null, note: null })
        .onConflict((oc) => oc.column('key').doNothing())
        .execute();
      const row = await db()
        .selectFrom('throttle_counters')
        .selectAll()
        .where('key', '=', key)
        .$call((q) => db.dialect.lockSelected(q))
        .executeTakeFirstOrThrow();
      return fromRow(row);
    },

    async put(counter) {
      const row = toRow(counter);
      await db()
        .insertInto('throttle_counters')
        .values(row)
        .onConflict((oc) =>
          oc
            .column('key')
            .doUpdateSet({ scope: row.scope, count: row.count, since: row.since, last_at: row.last_at, until: row.until, note: row.note }),
        )
        .execute();
    },

    async remove(key) {
      await db().deleteFrom('throttle_counters').where('key', '=', key).execute();
    },

    async listDue(scope, at, limit) {
      if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError('listDue needs a positive whole limit.');
      const rows = await db()
        .selectFrom('throttle_counters')
        .selectAll()
        .where('scope', '=', scope)
        .where('count', '>', 0)
        .where('until', 'is not', null)
        .where('until', '<=', at.toISOString())
        .orderBy('until')
        .orderBy('key')
        .limit(limit)
        .execute();
      return rows.map(fromRow);
    },
  };
}
