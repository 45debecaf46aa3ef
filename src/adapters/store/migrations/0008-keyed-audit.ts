import type { Kysely, Migration } from 'kysely';

/**
 * Keyed audit chains (SPEC L5): each entry records how its hash was made. Entries written before
 * (version 1) keep their unkeyed SHA-256; every new one is the vault's HMAC (version 2), and a
 * verifier accepts version 1 only before a tenant's first version 2 entry.
 */
export function keyedAuditMigration(): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .alterTable('audit_log')
        .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('audit_log').dropColumn('version').execute();
    },
  };
}
