import type { Migration, MigrationProvider } from 'kysely';
import { initialMigration } from './0001-initial.js';
import { keysMigration } from './0002-keys.js';
import { operationsMigration } from './0003-operations.js';
import { auditMigration } from './0004-audit.js';
import { notificationsMigration } from './0005-notifications.js';
import { backupsMigration } from './0006-backups.js';
import { throttleMigration } from './0007-throttle.js';

/** The two SQL dialects the control store speaks; migrations differ only where types must. */
export type SqlFlavour = 'sqlite' | 'postgres';

/**
 * Migrations live in code, not found on disk at run time, so a bundled or installed server
 * cannot miss one. Names sort in the order they apply; never rename or edit a released one,
 * add the next number instead.
 */
export function migrationProvider(flavour: SqlFlavour): MigrationProvider {
  const migrations: Record<string, Migration> = {
    '0001-initial': initialMigration(flavour),
    '0002-keys': keysMigration(flavour),
    '0003-operations': operationsMigration(),
    '0004-audit': auditMigration(),
    '0005-notifications': notificationsMigration(),
    '0006-backups': backupsMigration(),
    '0007-throttle': throttleMigration(),
  };
  return { getMigrations: () => Promise.resolve(migrations) };
}
