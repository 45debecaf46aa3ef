import { sql, type Kysely, type Migration } from 'kysely';

/**
 * The notification queue (R10): rows are written in the unit of work of the change they report
 * and delivered later by a dispatcher. The unique idempotency key makes a retried use case
 * queue a message once; `lease_until` keeps two dispatchers from sending one message at once.
 */
export function notificationsMigration(): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('notifications')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('idempotency_key', 'text', (c) => c.notNull().unique())
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('recipients', 'text', (c) => c.notNull())
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('body', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('next_attempt_at', 'text', (c) => c.notNull())
        .addColumn('lease_until', 'text')
        .addColumn('sent_at', 'text')
        .addColumn('last_error', 'text')
        .execute();
      // What dispatchers poll for: unsent messages by due time. Sent ones drop out of the index.
      await db.schema
        .createIndex('notifications_due')
        .on('notifications')
        .columns(['next_attempt_at', 'created_at', 'id'])
        .where(sql<boolean>`sent_at is null`)
        .execute();
      await db.schema.createIndex('notifications_tenant').on('notifications').columns(['tenant_id', 'created_at']).execute();
    },

    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('notifications').execute();
    },
  };
}
