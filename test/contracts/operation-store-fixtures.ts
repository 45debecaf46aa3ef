import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, it } from 'vitest';
import { openStore } from '../../src/adapters/store/open-store.js';
import type { Operation } from '../../src/domain/operation.js';
import type { Clock } from '../../src/ports/clock.js';
import type { Store } from '../../src/ports/store.js';
import { aTenant, newId } from './store-fixtures.js';

/**
 * Where operation tests run. Claiming takes the oldest claimable operation of any tenant, so
 * tests cannot share a database the way the store contract does (by using fresh tenants):
 * each test asks for its own empty database, with as many store instances on it as it needs
 * (each one standing in for a server instance).
 */
export interface StoreTarget {
  stores(count: number): Promise<Store[]>;
  /** One more store on the database of the last `stores()` call, e.g. a restarted server. */
  another(): Promise<Store>;
}

/** A clock tests move by hand: time rules are tested by advancing it, never by sleeping. */
export class FakeClock implements Clock {
  #ms: number;
  reads = 0;

  constructor(start = '2024-06-01T12:00:00.000Z') {
    this.#ms = new Date(start).getTime();
  }

  now(): Date {
    this.reads += 1;
    return new Date(this.#ms);
  }

  advance(ms: number): void {
    this.#ms += ms;
  }
}

export function anOperation(tenantId: string, overrides: Partial<Operation> = {}): Operation {
  return {
    id: newId(),
    tenantId,
    type: 'activate-key',
    status: 'running',
    progress: { done: 0, total: 0 },
    error: null,
    input: { keyId: newId(), region: 'europe', actor: 'usr_1 (Åsa@contoso.example) 🔐', force: false, seats: 1500, note: null },
    createdAt: new Date('2024-06-01T11:00:00.000Z'),
    finishedAt: null,
    ...overrides,
  };
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

/**
 * A target whose every `stores()` call makes a new database (`newDatabase` returns how to open
 * a store on it); stores and databases go when the enclosing suite ends.
 */
function targetOf(newDatabase: () => () => Promise<Store>, cleanup: () => Promise<void>): StoreTarget {
  const opened: Store[] = [];
  let open: (() => Promise<Store>) | undefined;
  afterAll(async () => {
    // A test may have closed a store already (a "crash"); closing twice is no failure here.
    await Promise.all(opened.map((s) => s.close().catch(() => undefined)));
    await cleanup();
  });
  const another = async (): Promise<Store> => {
    if (open === undefined) throw new Error('Call stores() first.');
    const store = await open();
    opened.push(store);
    return store;
  };
  return {
    async stores(count) {
      open = newDatabase();
      const stores: Store[] = [];
      // One after another: the first migrates, the others find the schema ready.
      for (let i = 0; i < count; i += 1) stores.push(await another());
      return stores;
    },
    another,
  };
}

/** A suite on embedded SQLite: every `stores()` call gets a new database file. */
export function describeOnSqlite(title: string, body: (target: StoreTarget) => void): void {
  describe(title, () => {
    const dir = mkdtempSync(join(tmpdir(), 'keyward-operations-'));
    let files = 0;
    body(
      targetOf(
        () => {
          const file = join(dir, `control-${++files}.db`);
          return () => openStore({ kind: 'sqlite', file });
        },
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
 * A suite on PostgreSQL (KEYWARD_TEST_DATABASE_URL, else 127.0.0.1:5432 db `test`): every
 * `stores()` call gets a new schema, all dropped after the suite. When the database is
 * unreachable the suite is skipped with a warning, except in CI, where it fails.
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
    const prefix = `keyward_test_ops_${randomBytes(4).toString('hex')}`;
    const schemas: string[] = [];
    body(
      targetOf(
        () => {
          const schema = `${prefix}_${schemas.length + 1}`;
          schemas.push(schema);
          return () => openStore({ kind: 'postgres', url, schema });
        },
        async () => {
          for (const name of schemas) await sql(`drop schema if exists "${name}" cascade`);
        },
      ),
    );
  });
}
