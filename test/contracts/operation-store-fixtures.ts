import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import pg from 'pg';
import { afterAll, describe, it } from 'vitest';
import { openStore } from '../../src/adapters/store/open-store.js';
import type { Operation } from '../../src/domain/operation.js';
import type { Store } from '../../src/ports/store.js';
import { aTenant, newId } from './store-fixtures.js';

/**
 * Where operation tests run. Claiming takes the oldest claimable operation of any tenant, so
 * tests cannot share rows the way the store contract does (by using fresh tenants): every
 * `stores()` call empties the operations table first. The database and the store instances
 * (each one standing in for a server instance) are shared by the suite's tests, because every
 * store opened on PostgreSQL runs Kysely's migrator, whose introspection of all schemas fails
 * when another test file drops a schema at that moment; fewer opens, fewer such failures.
 */
export interface StoreTarget {
  /** `count` store instances on the suite's database, its operations table emptied. */
  stores(count: number): Promise<Store[]>;
  /** A new store instance on the same database, for the test to close (a server that crashes). */
  another(): Promise<Store>;
}

export { FakeClock } from '../support/fake-clock.js';

export function anOperation(tenantId: string, overrides: Partial<Operation> = {}): Operation {
  return {
    id: newId(),
    tenantId,
    type: 'activate-key',
    status: 'running',
    progress: { done: 0, total: 0 },
    error: null,
    input: { keyId: newId(), region: 'europe', actor: 'usr_1 (Åsa@contoso.example) 🔐' },
    createdAt: new Date('2024-06-01T11:00:00.000Z'),
    finishedAt: null,
    result: null,
    ...overrides,
  } as Operation;
}

/** Inserts a tenant and `count` running operations of it, created one millisecond apart (oldest first). */
export async function queue(store: Store, count: number, overrides: Partial<Operation> = {}): Promise<Operation[]> {
  const tenant = aTenant();
  await store.tenants.insert(tenant);
  const ops: Operation[] = [];
  for (let i = 0; i < count; i += 1) {
    const op = anOperation(tenant.id, { createdAt: new Date(Date.UTC(2024, 5, 1, 11) + i), ...overrides });
    await store.operations.insert(op);
    ops.push(op);
  }
  return ops;
}

/** A target over one database: `open` makes a store instance, `wipe` empties the operations table. */
function targetOf(open: () => Promise<Store>, wipe: () => Promise<void>, cleanup: () => Promise<void>): StoreTarget {
  const shared: Store[] = [];
  const extra: Store[] = [];
  afterAll(async () => {
    // A test may have closed its extra store already (a "crash"); closing twice is no failure here.
    await Promise.all([...shared, ...extra].map((s) => s.close().catch(() => undefined)));
    await cleanup();
  });
  return {
    async stores(count) {
      // One after another: the first migrates, the others find the schema ready.
      while (shared.length < count) shared.push(await open());
      await wipe();
      return shared.slice(0, count);
    },
    async another() {
      const store = await open();
      extra.push(store);
      return store;
    },
  };
}

/** A suite on an embedded SQLite file of its own. */
export function describeOnSqlite(title: string, body: (target: StoreTarget) => void): void {
  describe(title, () => {
    const dir = mkdtempSync(join(tmpdir(), 'keyward-operations-'));
    const file = join(dir, 'control.db');
    const wipe = () => {
      const raw = new Database(file, { timeout: 5_000 });
      try {
        raw.exec('delete from operations');
      } finally {
        raw.close();
      }
      return Promise.resolve();
    };
    body(
      targetOf(
        () => openStore({ kind: 'sqlite', file }),
        wipe,
        () => Promise.resolve(rmSync(dir, { recursive: true, force: true })),
      ),
    );
  });
}

const url = process.env.KEYWARD_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

async function sql(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
    await client.query(text);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * A suite on PostgreSQL (KEYWARD_TEST_DATABASE_URL, else 127.0.0.1:5432 db `test`), in a
 * schema of its own, dropped after the suite. When the database is unreachable the suite is
 * skipped with a warning, except in CI, where it fails.
 */
export async function describeOnPostgres(title: string, body: (target: StoreTarget) => void): Promise<void> {
  let reason: string | undefined;
  try {
    await sql('select 1');
  } catch (error) {
    reason = error instanceof Error ? error.message : String(error);
  }
  // Shown without credentials: the URL may carry a password.
  const where = new URL(url).host;
  if (reason !== undefined && process.env.CI) {
    const why = reason;
    describe(title, () => {
      it('needs a reachable PostgreSQL', () => {
        throw new Error(`PostgreSQL at ${where} is unreachable (${why}); set KEYWARD_TEST_DATABASE_URL.`);
      });
    });
    return;
  }
  if (reason !== undefined) {
    console.warn(`Skipping "${title}": PostgreSQL at ${where} is unreachable (${reason}). Set KEYWARD_TEST_DATABASE_URL.`);
    describe.skip(title, () => undefined);
    return;
  }
  describe(title, () => {
    const schema = `keyward_test_ops_${randomBytes(6).toString('hex')}`;
    body(
      targetOf(
        () => openStore({ kind: 'postgres', url, schema }),
        () => sql(`delete from "${schema}".operations`),
        () => sql(`drop schema if exists "${schema}" cascade`),
      ),
    );
  });
}

/** The claim of the oldest claimable operation, as the runner makes it (the operation only). */
export async function claimOp(repo: Store['operations'], owner: string, now: Date, leaseUntil: Date): Promise<Operation | undefined> {
  return (await repo.claim(owner, now, leaseUntil))?.op;
}
