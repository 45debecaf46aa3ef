import type { Migration, MigrationProvider } from 'kysely';
import type { StoreDialect } from '../dialect.js';
import { initialMigration } from './0001-initial.js';
import { keysMigration } from './0002-keys.js';
import { operationsMigration } from './0003-operations.js';
import { auditMigration } from './0004-audit.js';
import { notificationsMigration } from './0005-notifications.js';
import { backupsMigration } from './0006-backups.js';
import { custodyMigration } from './0007-custody.js';
import { keyedAuditMigration } from './0008-keyed-audit.js';
import { enginesMigration } from './0009-engines.js';
import { throttleMigration } from './0010-throttle.js';

/**
 * Migrations live in code, not found on disk at run time, so a bundled or installed server
 * cannot miss one. Names sort in the order they apply; never rename or edit a released one,
 * add the next number instead.
 */
export function migrationProvider(dialect: StoreDialect): MigrationProvider {
  const migrations: Record<string, Migration> = {
    '0001-initial': initialMigration(dialect),
    '0002-keys': keysMigration(dialect),
    '0003-operations': operationsMigration(),
    '0004-audit': auditMigration(),
    '0005-notifications': notificationsMigration(),
    '0006-backups': backupsMigration(),
    '0007-custody': custodyMigration(),
    '0008-keyed-audit': keyedAuditMigration(),
    '0009-engines': enginesMigration(dialect),
    '0010-throttle': throttleMigration(),
  };
  return { getMigrations: () => Promise.resolve(migrations) };
}
