import type { Kysely } from 'kysely';
import { fail } from '../../domain/errors.js';
import type { ControlDatabase } from './schema.js';

/**
 * What a repo runs its queries on: the store's pool, or the one transaction it is bound to.
 * Repos ask for it on every query (a function, not a value) so the store can refuse calls that
 * would escape the transaction they were meant to be part of (see kysely-store.ts).
 */
export type Executor = () => Kysely<ControlDatabase>;

/**
 * Unique indexes enforce rules that must hold across server instances; a violation means
 * another writer got there first, which callers handle as any other conflict.
 */
function isUniqueViolation(error: unknown): boolean {
  if (typeof error !== 'object' || error === null || !('code' in error)) return false;
  const { code } = error;
  // PostgreSQL's SQLSTATE, and better-sqlite3's extended result codes.
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

export async function insertUnique(insert: () => Promise<unknown>, detail: string): Promise<void> {
  try {
    await insert();
  } catch (error) {
    if (isUniqueViolation(error)) fail('CONFLICT', detail);
    throw error;
  }
}

/** Updates address one row by id; touching none means the caller holds a stale or wrong id. */
export function assertOneRow(result: { numUpdatedRows: bigint }, detail: string): void {
  if (result.numUpdatedRows !== 1n) fail('NOT_FOUND', detail);
}
