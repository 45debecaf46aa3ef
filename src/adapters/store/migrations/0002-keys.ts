import { sql, type Kysely, type Migration } from 'kysely';
import type { StoreDialect } from '../dialect.js';

/**
 * Tenant keys (public half and state; private halves are the vault's), BYOK key-exchange keys,
 * and the lock time of environments (R14's 28 days count from it). The unique indexes hold the
 * key rules across server instances: one live key per thumbprint in a tenant (R5), one live
 * name per tenant and region (a name never silently replaces a key), one Active key per tenant
 * and region.
 */
export function keysMigration(_dialect: StoreDialect): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('tenant_keys')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
        .addColumn('region', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('name_key', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('thumbprint', 'text', (c) => c.notNull())
        .addColumn('key_size', 'integer', (c) => c.notNull())
        .addColumn('public_key_pem', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('activated_at', 'text')
        .addColumn('locked_at', 'text')
        .addColumn('failure_reason', 'text')
        .execute();
      const live = sql<boolean>`state <> 'Deleted'`;
      await db.schema
        .createIndex('tenant_keys_live_thumbprint')
        .unique()
        .on('tenant_keys')
        .columns(['tenant_id', 'thumbprint'])
        .where(live)
        .execute();
      await db.schema
        .createIndex('tenant_keys_live_name')
        .unique()
        .on('tenant_keys')
        .columns(['tenant_id', 'region', 'name_key'])
        .where(live)
        .execute();
      await db.schema
        .createIndex('tenant_keys_one_active')
        .unique()
        .on('tenant_keys')
        .columns(['tenant_id', 'region'])
        .where(sql<boolean>`state = 'Active'`)
        .execute();

      await db.schema
        .createTable('exchange_keys')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
        .addColumn('region', 'text', (c) => c.notNull())
        .addColumn('public_key_pem', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('exchange_keys_tenant_region').on('exchange_keys').columns(['tenant_id', 'region', 'expires_at']).execute();

      await db.schema.alterTable('environments').addColumn('locked_at', 'text').execute();
      await db.schema.createIndex('environments_tenant_status').on('environments').columns(['tenant_id', 'encryption_status']).execute();
    },

    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropIndex('environments_tenant_status').execute();
      await db.schema.alterTable('environments').dropColumn('locked_at').execute();
      await db.schema.dropTable('exchange_keys').execute();
      await db.schema.dropTable('tenant_keys').execute();
    },
  };
}
