import { auditMac } from '../support/audit-mac.js';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3-multiple-ciphers';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/adapters/store/open-store.js';
import { verifyAuditChain } from '../../src/domain/audit-chain.js';
import { auditStoreContract } from './audit-store.contract.js';
import { newId } from './store-fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'keyward-audit-'));
const file = join(dir, 'control.db');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const worker = fileURLToPath(new URL('./audit-store-append-worker.ts', import.meta.url));

/**
 * Runs the append worker as a separate process: `ready` resolves when it is about to append,
 * `done` when it exits cleanly.
 */
function appendInAnotherProcess(tenantId: string, count: number): { ready: Promise<void>; done: Promise<void> } {
  const child = spawn(process.execPath, ['--import', 'tsx', worker, file, tenantId, String(count)], { stdio: ['ignore', 'pipe', 'pipe'] });
  const ready = new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
  const done = new Promise<void>((resolve, reject) => {
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`append worker exited with ${code}: ${stderr}`))));
  });
  return { ready: Promise.race([ready, done]), done };
}

describe('Audit log contract on embedded SQLite', () => {
  auditStoreContract({
    open: () => openStore({ kind: 'sqlite', file }),
    sql: (statement) => {
      const raw = new Database(file, { timeout: 5_000 });
      try {
        raw.exec(statement);
      } finally {
        raw.close();
      }
      return Promise.resolve();
    },
    instancesInOneProcess: false,
  });

  it('serialises appends of one tenant from two processes on one database file', async () => {
    const store = await openStore({ kind: 'sqlite', file });
    try {
      const tenantId = newId();
      const draft = (i: number) => ({
        tenantId,
        at: new Date(Date.UTC(2024, 0, 2, 0, 0, i)),
        actor: 'parent',
        action: 'key.activate',
        target: `key:key_${i}`,
        outcome: 'succeeded' as const,
        detail: null,
      });
      const child = appendInAnotherProcess(tenantId, 100);
      await child.ready;
      await Promise.all([child.done, ...Array.from({ length: 100 }, (_, i) => store.audit.append(draft(i), auditMac))]);
      const entries = await store.audit.list(tenantId, { limit: 1_000 });
      expect(entries.map((e) => e.seq)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
      expect(new Set(entries.map((e) => e.actor)).size).toBe(2);
      expect(await verifyAuditChain(entries, await store.audit.head(tenantId), auditMac)).toEqual({ ok: true });
    } finally {
      await store.close();
    }
  });
});
