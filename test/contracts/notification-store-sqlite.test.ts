import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe } from 'vitest';
import { openStore } from '../../src/adapters/store/open-store.js';
import { notificationStoreContract } from './notification-store.contract.js';

const dir = mkdtempSync(join(tmpdir(), 'keyward-notifications-'));
const file = join(dir, 'control.db');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('Notification queue contract on embedded SQLite', () => {
  notificationStoreContract({ open: () => openStore({ kind: 'sqlite', file }) });
});
