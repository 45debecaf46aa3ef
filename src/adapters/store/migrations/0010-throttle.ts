import type { Kysely, Migration } from 'kysely';

/**
 * Counters shared by every instance on the store (SPEC F2; ports/throttle-store.ts): wrong .pfx
 * passwords per tenant and per caller, and repeated refusals collapsed into counted audit
 * entries. Small (one row per tenant, caller and kind of refusal); no key material, no secret.
 * The same in both dialects.
 */
export function throttleMigration(): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('throttle_counters')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('scope', 'text', (c) => c.notNull())
        .addColumn('count', 'integer', (c) => c.notNull())
        .addColumn('since', 'text', (c) => c.notNull())
        .addColumn('last_at', 'text', (c) => c.notNull())
        .addColumn('until', 'text')
        .addColumn('note', 'text')
        .execute();
      await db.schema.createIndex('throttle_counters_due').on('throttle_counters').columns(['scope', 'until']).execute();
    },

    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('throttle_counters').execute();
    },
  };
}
