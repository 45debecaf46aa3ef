import type { EncryptionMode } from '../../domain/environment.js';
import type { Backup, BackupRepo } from '../../ports/backup-store.js';
import { insertUnique, type Executor } from './executor.js';
import type { BackupRow } from './schema.js';

function backupToRow(b: Backup): BackupRow {
  return {
    id: b.id,
    tenant_id: b.tenantId,
    environment_id: b.environmentId,
    label: b.label,
    created_at: b.createdAt.toISOString(),
    protector_mode: b.protector.mode,
    protector_key_id: b.protector.keyId,
    size_bytes: b.sizeBytes,
  };
}

function backupFromRow(row: BackupRow): Backup {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    environmentId: row.environment_id,
    label: row.label,
    createdAt: new Date(row.created_at),
    protector: { mode: row.protector_mode as EncryptionMode, keyId: row.protector_key_id },
    sizeBytes: Number(row.size_bytes),
  };
}

export function backupRepo(db: Executor): BackupRepo {
  return {
    async insert(backup) {
      await insertUnique(db, () => db().insertInto('backups').values(backupToRow(backup)).execute(), 'A backup with this id exists already.');
    },

    async get(id) {
      const row = await db().selectFrom('backups').selectAll().where('id', '=', id).executeTakeFirst();
      return row && backupFromRow(row);
    },

    async listByEnvironment(environmentId) {
      const rows = await db()
        .selectFrom('backups')
        .selectAll()
        .where('environment_id', '=', environmentId)
        .orderBy('created_at')
        .orderBy('id')
        .execute();
      return rows.map(backupFromRow);
    },

    async remove(id) {
      await db().deleteFrom('backups').where('id', '=', id).execute();
    },

    async deleteByEnvironment(environmentId) {
      const result = await db().deleteFrom('backups').where('environment_id', '=', environmentId).executeTakeFirst();
      return Number(result.numDeletedRows);
    },

    async scrubErased() {
      // See the port: only SQLite's WAL can be emptied on demand.
      await db.dialect.emptyLog(db());
    },
  };
}
