import { sql, type Kysely, type Migration } from 'kysely';

/**
 * The audit log: one hash chain per tenant (see domain/audit-chain.ts).
 *
 * - `audit_log` is append-only by code: its repo has no update or delete. The primary key
 *   (tenant_id, seq) makes a seq impossible to hand out twice, whatever races the code loses.
 * - `audit_heads` holds each chain's last seq and hash. Appends lock that one row (an upsert)
 *   to serialise per tenant across server instances, where locking "the last entry" cannot:
 *   there is no last entry before the first append, and a waiter would wake to a stale one.
 *   It also lets a verifier notice entries cut off the end of a chain.
 *
 * No foreign key to tenants: evidence must not depend on, or cascade with, another table's rows.
 */
export function auditMigration(): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('audit_log')
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('seq', 'integer', (c) => c.notNull().check(sql`seq >= 1`))
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('target', 'text', (c) => c.notNull())
        .addColumn('outcome', 'text', (c) => c.notNull())
        .addColumn('detail', 'text')
        .addColumn('prev_hash', 'text', (c) => c.notNull())
        .addColumn('hash', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('audit_log_pk', ['tenant_id', 'seq'])
        .execute();

      await db.schema
        .createTable('audit_heads')
        .addColumn('tenant_id', 'text', (c) => c.primaryKey())
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('hash', 'text', (c) => c.notNull())
        .execute();
    },

    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('audit_heads').execute();
      await db.schema.dropTable('audit_log').execute();
    },
  };
}
