import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/adapters/store/open-store.js';
import { sqliteDialect } from '../../src/adapters/store/dialect.js';
import { migrationProvider } from '../../src/adapters/store/migrations/index.js';
import { storeContract } from './store.contract.js';
import { keyStoreContract } from './key-store.contract.js';
import { backupStoreContract } from './backup-store.contract.js';
import { engineEnvironmentsContract } from './engine-environments.contract.js';
import { throttleStoreContract } from './throttle-store.contract.js';

const dir = mkdtempSync(join(tmpdir(), 'keyward-store-'));
const file = join(dir, 'nested', 'control.db');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('Store contract on embedded SQLite', () => {
  storeContract({ open: () => openStore({ kind: 'sqlite', file }) });
  keyStoreContract({ open: () => openStore({ kind: 'sqlite', file }) });
  backupStoreContract({ open: () => openStore({ kind: 'sqlite', file }) });
  engineEnvironmentsContract({ open: () => openStore({ kind: 'sqlite', file }) });
  throttleStoreContract({ open: () => openStore({ kind: 'sqlite', file }) });

  it('keeps the file private and in WAL mode', async () => {
    await (await openStore({ kind: 'sqlite', file })).close();
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const raw = new Database(file, { readonly: true });
    try {
      expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
      const applied = raw.prepare('select name from kysely_migration').pluck().all();
      expect(applied).toEqual(Object.keys(await migrationProvider(sqliteDialect).getMigrations()).sort());
    } finally {
      raw.close();
    }
  });
});
