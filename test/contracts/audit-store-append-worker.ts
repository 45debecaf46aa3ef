/**
 * A second server process for the SQLite audit contract: appends `count` entries for a tenant
 * to the control database `file`, all at once, then exits. On SQLite, other instances are other
 * processes, so this is how concurrent appends across instances are tested there.
 * Usage: node --import tsx audit-store-append-worker.ts <file> <tenantId> <count>
 */
import { openStore } from '../../src/adapters/store/open-store.js';
import { auditMac } from '../support/audit-mac.js';

const [file, tenantId, countText] = process.argv.slice(2);
if (file === undefined || tenantId === undefined || countText === undefined) {
  throw new Error('usage: audit-store-append-worker.ts <file> <tenantId> <count>');
}
const store = await openStore({ kind: 'sqlite', file });
try {
  // The parent starts its own appends on this line, so that both processes append at once.
  process.stdout.write('ready\n');
  await Promise.all(
    Array.from({ length: Number(countText) }, (_, i) =>
      store.audit.append(
        {
          tenantId,
          at: new Date(Date.UTC(2024, 0, 1, 0, 0, i)),
          actor: `worker ${process.pid}`,
          action: 'key.activate',
          target: `key:key_${i}`,
          outcome: 'succeeded',
          detail: null,
        },
        auditMac,
      ),
    ),
  );
} finally {
  await store.close();
}
