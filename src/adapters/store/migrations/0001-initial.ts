import { sql, type Kysely, type Migration } from 'kysely';
import type { StoreDialect } from '../dialect.js';

/**
 * The first schema of the control store. Column types are chosen to mean the same in SQLite
 * and PostgreSQL (see ../schema.ts); bytes are the one type the two spell differently.
 * Foreign keys keep users and environments from outliving their tenant's row; unique indexes
 * make the rules that must hold across server instances (one token per user, one e-mail per
 * tenant, one live environment per name) hold in the database, not only in a prior check.
 */
export function initialMigration(dialect: StoreDialect): Migration {
  const bytes = dialect.bytesType;
  const flag = (column: string) => sql`${sql.ref(column)} in (0, 1)`;

  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('tenants')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('licensed_seats', 'integer', (c) => c.notNull())
        .addColumn('regions', 'text', (c) => c.notNull())
        .addColumn('cmk_opt_in', 'integer', (c) => c.notNull().check(flag('cmk_opt_in')))
        .addColumn('cmk_enabled', 'integer', (c) => c.notNull().check(flag('cmk_enabled')))
        .addColumn('cmk_enabled_at', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('users')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
        .addColumn('email', 'text', (c) => c.notNull())
        .addColumn('email_key', 'text', (c) => c.notNull())
        .addColumn('roles', 'text', (c) => c.notNull())
        .addColumn('token_hash', bytes, (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      // Every authenticated request looks a user up by token hash.
      await db.schema.createIndex('users_token_hash').unique().on('users').column('token_hash').execute();
      // Also serves listByTenant (leading column).
      await db.schema.createIndex('users_tenant_email').unique().on('users').columns(['tenant_id', 'email_key']).execute();

      await db.schema
        .createTable('environments')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('name_key', 'text', (c) => c.notNull())
        .addColumn('region', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('has_file_columns', 'integer', (c) => c.notNull().check(flag('has_file_columns')))
        .addColumn('encryption_mode', 'text', (c) => c.notNull())
        .addColumn('encryption_key_id', 'text')
        .addColumn('encryption_status', 'text', (c) => c.notNull())
        .addColumn('wrapped_dek', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('environments_tenant_created').on('environments').columns(['tenant_id', 'created_at', 'id']).execute();
      // A deleted environment frees its name; partial indexes exist in both dialects.
      await db.schema
        .createIndex('environments_tenant_live_name')
        .unique()
        .on('environments')
        .columns(['tenant_id', 'name_key'])
        .where(sql<boolean>`encryption_status <> 'deleted'`)
        .execute();

      await db.schema
        .createTable('settings')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .execute();
    },

    async down(db: Kysely<unknown>): Promise<void> {
      for (const table of ['settings', 'environments', 'users', 'tenants']) {
        await db.schema.dropTable(table).execute();
      }
    },
  };
}
