import type { Kysely } from 'kysely';
import { fail } from '../../domain/errors.js';
import type { StoreDialect } from './dialect.js';
import type { ControlDatabase } from './schema.js';

/**
 * What a repo runs its queries on: the store's pool, or the one transaction it is bound to.
 * Repos ask for it on every query (a function, not a value) so the store can refuse calls that
 * would escape the transaction they were meant to be part of (see kysely-store.ts). It carries
 * the dialect, which repos ask instead of testing which database they are on.
 */
export interface Executor {
  (): Kysely<ControlDatabase>;
  readonly dialect: StoreDialect;
}

export const executorOf = (get: () => Kysely<ControlDatabase>, dialect: StoreDialect): Executor => Object.assign(get, { dialect });

/**
 * Unique indexes enforce rules that must hold across server instances; a violation means
 * another writer got there first, which callers handle as any other conflict.
 */
export async function insertUnique(db: Pick<Executor, 'dialect'>, insert: () => Promise<unknown>, detail: string): Promise<void> {
  try {
    await insert();
  } catch (error) {
    if (db.dialect.isUniqueViolation(error)) fail('CONFLICT', detail);
    throw error;
  }
}

/** Updates address one row by id; touching none means the caller holds a stale or wrong id. */
export function assertOneRow(result: { numUpdatedRows: bigint }, detail: string): void {
  if (result.numUpdatedRows !== 1n) fail('NOT_FOUND', detail);
}
