import { sql, type Kysely, type Migration } from 'kysely';

/**
 * Durable long operations (SPEC "Long operations"). Besides what clients see (status,
 * progress, error), a row carries the runner's bookkeeping: who holds it and until when
 * (`lease_*`), when it may be tried again (`not_before`) and how often it was started
 * (`attempts`). Lease and retry times are real wall-clock times, never the dev clock; like
 * every time in this schema they are fixed-width ISO strings, so they compare as text.
 * The same in both dialects: no column type here differs between them.
 */
export function operationsMigration(): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('operations')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('running', 'succeeded', 'failed')`))
        .addColumn('progress_done', 'integer', (c) => c.notNull())
        .addColumn('progress_total', 'integer', (c) => c.notNull())
        .addColumn('error_code', 'text')
        .addColumn('error_detail', 'text')
        .addColumn('input', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('finished_at', 'text')
        .addColumn('lease_owner', 'text')
        .addColumn('lease_until', 'text')
        .addColumn('not_before', 'text')
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      // Claiming scans running operations oldest first; finished ones (nearly all rows, in
      // time) stay out of the index, so the scan stays as short as the queue.
      await db.schema
        .createIndex('operations_claim')
        .on('operations')
        .columns(['created_at', 'id'])
        .where(sql<boolean>`status = 'running'`)
        .execute();
      // A use case checks a tenant's running operations before queuing a conflicting one.
      await db.schema
        .createIndex('operations_tenant_running')
        .on('operations')
        .columns(['tenant_id', 'created_at'])
        .where(sql<boolean>`status = 'running'`)
        .execute();
    },

    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('operations').execute();
    },
  };
}
