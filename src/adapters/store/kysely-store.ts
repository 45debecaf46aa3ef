import { AsyncLocalStorage } from 'node:async_hooks';
import type { Kysely } from 'kysely';
import type { Repos, Store } from '../../ports/store.js';
import { auditRepo } from './audit-repo.js';
import { backupRepo } from './backup-repo.js';
import { environmentRepo } from './environment-repo.js';
import { exchangeKeyRepo, keyRepo } from './key-repo.js';
import type { Executor } from './executor.js';
import type { SqlFlavour } from './migrations/index.js';
import { notificationRepo } from './notification-repo.js';
import { operationRepo } from './operation-repo.js';
import type { ControlDatabase } from './schema.js';
import { settingRepo } from './setting-repo.js';
import { tenantRepo } from './tenant-repo.js';
import { throttleRepo } from './throttle-repo.js';
import { userRepo } from './user-repo.js';

/** Every repo over one executor. A new repo is one line here and one in `Repos`. */
function reposOn(db: Executor, flavour: SqlFlavour): Repos {
  return {
    tenants: tenantRepo(db),
    users: userRepo(db),
    environments: environmentRepo(db),
    settings: settingRepo(db),
    keys: keyRepo(db),
    exchangeKeys: exchangeKeyRepo(db),
    operations: operationRepo(db, flavour),
    audit: auditRepo(db),
    notifications: notificationRepo(db, flavour),
    backups: backupRepo(db),
    throttle: throttleRepo(db, flavour),
  };
}

/** Marks the async context of a running `transaction(work)`; `open` turns false when it ends. */
interface TransactionScope {
  open: boolean;
}

/**
 * The Store over any Kysely dialect. Both adapters (SQLite, PostgreSQL) are this function with a
 * different Kysely instance: one query layer, so the contract suite tests one set of queries.
 *
 * Inside `transaction(work)`, only the repos handed to `work` may be used. Calling the store's
 * own repos there, or starting a nested transaction, throws at once instead of failing late:
 * on SQLite (one connection) it would wait forever for the connection `work` holds, and on
 * PostgreSQL it would quietly write outside the transaction. Repos of a finished transaction
 * refuse to run too, so a leaked reference cannot write outside it.
 */
export function kyselyStore(db: Kysely<ControlDatabase>, flavour: SqlFlavour): Store {
  const scope = new AsyncLocalStorage<TransactionScope>();
  const outsideTransactions = reposOn(() => {
    if (scope.getStore()?.open === true) {
      throw new Error('Store repos were used inside transaction(work); use the repos passed to work.');
    }
    return db;
  }, flavour);

  return {
    ...outsideTransactions,

    async transaction<T>(work: (tx: Repos) => Promise<T>): Promise<T> {
      if (scope.getStore()?.open === true) {
        throw new Error('transaction(work) was called inside another transaction; nesting is not supported.');
      }
      return db.transaction().execute(async (trx) => {
        const current: TransactionScope = { open: true };
        const repos = reposOn(() => {
          if (!current.open) throw new Error('The repos of a finished transaction were used.');
          return trx;
        }, flavour);
        try {
          return await scope.run(current, () => work(repos));
        } finally {
          // Async work that `work` started and left running keeps this scope; it must not stay
          // locked out of the store after the transaction has ended.
          current.open = false;
        }
      });
    },

    async close(): Promise<void> {
      await db.destroy();
    },
  };
}
