import { AsyncLocalStorage } from 'node:async_hooks';
import type { Kysely } from 'kysely';
import type { Repos, Store } from '../../ports/store.js';
import { environmentRepo } from './environment-repo.js';
import type { Executor } from './executor.js';
import type { ControlDatabase } from './schema.js';
import { settingRepo } from './setting-repo.js';
import { tenantRepo } from './tenant-repo.js';
import { userRepo } from './user-repo.js';

function reposOn(db: Executor): Repos {
  return { tenants: tenantRepo(db), users: userRepo(db), environments: environmentRepo(db), settings: settingRepo(db) };
}

/** Marks the async context of a running `transaction(work)`; `open` turns false when it ends. */
interface TransactionScope {
  open: boolean;
}

/**
 * The Store over any Kysely dialect. Both adapters (SQLite, PostgreSQL) are this class with a
 * different Kysely instance: one query layer, so the contract suite tests one set of queries.
 *
 * Inside `transaction(work)`, only the repos handed to `work` may be used. Calling the store's
 * own repos there, or starting a nested transaction, throws at once instead of failing late:
 * on SQLite (one connection) it would wait forever for the connection `work` holds, and on
 * PostgreSQL it would quietly write outside the transaction. Repos of a finished transaction
 * refuse to run too, so a leaked reference cannot write outside it.
 */
export class KyselyStore implements Store {
  readonly tenants: Repos['tenants'];
  readonly users: Repos['users'];
  readonly environments: Repos['environments'];
  readonly settings: Repos['settings'];
  readonly #db: Kysely<ControlDatabase>;
  readonly #scope = new AsyncLocalStorage<TransactionScope>();

  constructor(db: Kysely<ControlDatabase>) {
    this.#db = db;
    const repos = reposOn(() => {
      if (this.#scope.getStore()?.open === true) {
        throw new Error('Store repos were used inside transaction(work); use the repos passed to work.');
      }
      return this.#db;
    });
    this.tenants = repos.tenants;
    this.users = repos.users;
    this.environments = repos.environments;
    this.settings = repos.settings;
  }

  async transaction<T>(work: (tx: Repos) => Promise<T>): Promise<T> {
    if (this.#scope.getStore()?.open === true) {
      throw new Error('transaction(work) was called inside another transaction; nesting is not supported.');
    }
    return this.#db.transaction().execute(async (trx) => {
      const scope: TransactionScope = { open: true };
      const repos = reposOn(() => {
        if (!scope.open) throw new Error('The repos of a finished transaction were used.');
        return trx;
      });
      try {
        return await this.#scope.run(scope, () => work(repos));
      } finally {
        // Async work that `work` started and left running keeps this scope; it must not stay
        // locked out of the store after the transaction has ended.
        scope.open = false;
      }
    });
  }

  async close(): Promise<void> {
    await this.#db.destroy();
  }
}
