import { AsyncLocalStorage } from 'node:async_hooks';
import type { Kysely, Transaction } from 'kysely';
import type { Repos, SerialLocks, Store } from '../../ports/store.js';
import { auditRepo } from './audit-repo.js';
import { backupRepo } from './backup-repo.js';
import type { StoreDialect } from './dialect.js';
import { environmentRepo } from './environment-repo.js';
import { executorOf, type Executor } from './executor.js';
import { exchangeKeyRepo, keyRepo } from './key-repo.js';
import { notificationRepo } from './notification-repo.js';
import { operationRepo } from './operation-repo.js';
import type { ControlDatabase } from './schema.js';
import { settingRepo } from './setting-repo.js';
import { tenantRepo } from './tenant-repo.js';
import { throttleRepo } from './throttle-repo.js';
import { userRepo } from './user-repo.js';
import { vaultObjectRepo } from './vault-object-repo.js';

/** Every repo over one executor. A new repo is one line here and one in `Repos`. */
function reposOn(db: Executor, locks: SerialLocks): Repos {
  return {
    locks,
    tenants: tenantRepo(db),
    users: userRepo(db),
    environments: environmentRepo(db),
    settings: settingRepo(db),
    keys: keyRepo(db),
    exchangeKeys: exchangeKeyRepo(db),
    operations: operationRepo(db),
    audit: auditRepo(db),
    notifications: notificationRepo(db),
    backups: backupRepo(db),
    throttle: throttleRepo(db),
  };
}

/** The async context of a running `transaction(work)`; `open` turns false when it ends. */
interface TransactionScope {
  open: boolean;
  trx: Transaction<ControlDatabase>;
  /** Work for after the commit (scrubs that cannot run inside a transaction). */
  afterCommit: (() => Promise<void>)[];
}

/** The lock key of a tenant's region: one row of `serial_locks` on PostgreSQL. */
const regionKey = (tenantId: string, region: string): string => `region:${tenantId}:${region}`;

/**
 * The Store over any Kysely dialect. Both adapters (SQLite, PostgreSQL) are this function with a
 * different Kysely instance and dialect: one query layer, so the contract suite tests one set of
 * queries.
 *
 * Inside `transaction(work)`, only the repos handed to `work` may be used. Calling the store's
 * own repos there, or starting a nested transaction, throws at once instead of failing late:
 * on SQLite (one connection) it would wait forever for the connection `work` holds, and on
 * PostgreSQL it would quietly write outside the transaction. Repos of a finished transaction
 * refuse to run too, so a leaked reference cannot write outside it. The one exception is
 * `vaultObjects`, which joins whatever transaction is running (see the port).
 */
export function kyselyStore(db: Kysely<ControlDatabase>, dialect: StoreDialect): Store {
  const scope = new AsyncLocalStorage<TransactionScope>();
  const noLocksOutside: SerialLocks = {
    region: () => Promise.reject(new Error('A serial lock was asked for outside a transaction; take it inside transaction(work).')),
  };
  const outsideTransactions = reposOn(
    executorOf(() => {
      if (scope.getStore()?.open === true) {
        throw new Error('Store repos were used inside transaction(work); use the repos passed to work.');
      }
      return db;
    }, dialect),
    noLocksOutside,
  );
  const ambient = executorOf(() => {
    const current = scope.getStore();
    return current?.open === true ? current.trx : db;
  }, dialect);
  const afterCommit = (work: () => Promise<void>): Promise<void> => {
    const current = scope.getStore();
    if (current?.open !== true) return work();
    current.afterCommit.push(work);
    return Promise.resolve();
  };

  return {
    ...outsideTransactions,
    vaultObjects: vaultObjectRepo(ambient, afterCommit),

    async transaction<T>(work: (tx: Repos) => Promise<T>): Promise<T> {
      if (scope.getStore()?.open === true) {
        throw new Error('transaction(work) was called inside another transaction; nesting is not supported.');
      }
      let finished: TransactionScope | undefined;
      const result = await db.transaction().execute(async (trx) => {
        const current: TransactionScope = { open: true, trx, afterCommit: [] };
        finished = current;
        const executor = executorOf(() => {
          if (!current.open) throw new Error('The repos of a finished transaction were used.');
          return trx;
        }, dialect);
        const locks: SerialLocks = { region: (tenantId, region) => dialect.lockKey(executor(), regionKey(tenantId, region)) };
        try {
          return await scope.run(current, () => work(reposOn(executor, locks)));
        } finally {
          // Async work that `work` started and left running keeps this scope; it must not stay
          // locked out of the store after the transaction has ended.
          current.open = false;
        }
      });
      for (const after of finished?.afterCommit ?? []) await after();
      return result;
    },

    async close(): Promise<void> {
      await db.destroy();
    },
  };
}
