import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/adapters/store/open-store.js';
import { storeContract } from './store.contract.js';
import { postgresUnreachable, sql, testDatabaseHost, testDatabaseUrl } from '../support/postgres.js';
import { postgresDialect } from '../../src/adapters/store/dialect.js';
import { migrationProvider } from '../../src/adapters/store/migrations/index.js';
import { keyStoreContract } from './key-store.contract.js';
import { backupStoreContract } from './backup-store.contract.js';
import { engineEnvironmentsContract } from './engine-environments.contract.js';
import { throttleStoreContract } from './throttle-store.contract.js';

const url = testDatabaseUrl;
const schema = `keyward_test_${randomBytes(6).toString('hex')}`;

const reason = await postgresUnreachable();
const where = testDatabaseHost;

if (reason !== undefined && process.env.CI) {
  // In CI a missing database is a broken pipeline, not a reason to pass quietly.
  describe('Store contract on PostgreSQL', () => {
    it('needs a reachable PostgreSQL', () => {
      throw new Error(`PostgreSQL at ${where} is unreachable (${reason}); set KEYWARD_TEST_DATABASE_URL.`);
    });
  });
} else if (reason !== undefined) {
  console.warn(`Skipping the PostgreSQL store contract: ${where} is unreachable (${reason}). Set KEYWARD_TEST_DATABASE_URL.`);
  describe.skip('Store contract on PostgreSQL', () => undefined);
} else {
  const fresh: string[] = [schema];
  afterAll(async () => {
    for (const name of fresh) await sql(`drop schema if exists "${name}" cascade`);
  });

  describe('Store contract on PostgreSQL', () => {
    storeContract({ open: () => openStore({ kind: 'postgres', url, schema }) });
    keyStoreContract({ open: () => openStore({ kind: 'postgres', url, schema }) });
    backupStoreContract({ open: () => openStore({ kind: 'postgres', url, schema }) });
    engineEnvironmentsContract({ open: () => openStore({ kind: 'postgres', url, schema }) });
    throttleStoreContract({ open: () => openStore({ kind: 'postgres', url, schema }) });

    it('migrates once when two instances start at the same time on a fresh schema', async () => {
      const racing = `${schema}_race`;
      fresh.push(racing);
      const stores = await Promise.all([1, 2, 3].map(() => openStore({ kind: 'postgres', url, schema: racing })));
      try {
        const applied = await sql(`select name from "${racing}".kysely_migration`);
        const names = Object.keys(await migrationProvider(postgresDialect).getMigrations()).sort();
        expect(applied.rows).toEqual(names.map((name) => ({ name })));
        expect(await stores[0]!.settings.putIfAbsent('x', 'a')).toBe('a');
        expect(await stores[2]!.settings.get('x')).toBe('a');
      } finally {
        await Promise.all(stores.map((s) => s.close()));
      }
    });

    it('keeps its tables in its own schema only', async () => {
      const tables = await sql(`select table_name from information_schema.tables where table_schema = '${schema}' order by table_name`);
      // Every table of the control store, and the migrator's own, are in this schema.
      expect(tables.rows.map((r: { table_name: string }) => r.table_name)).toEqual(
        expect.arrayContaining(['environments', 'kysely_migration', 'kysely_migration_lock', 'settings', 'tenants', 'users', 'tenant_keys']),
      );
    });

    it('stores token hashes as bytea', async () => {
      const column = await sql(
        `select data_type from information_schema.columns where table_schema = '${schema}' and table_name = 'users' and column_name = 'token_hash'`,
      );
      expect(column.rows).toEqual([{ data_type: 'bytea' }]);
    });
  });
}
