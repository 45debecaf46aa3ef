import { fail } from '../domain/errors.js';
import type { Principal } from '../domain/principal.js';
import { normaliseRow, type Row } from '../domain/table-schema.js';
import type { EnvironmentDatabase, RowPage } from '../ports/data-plane.js';
import type { Action } from '../domain/permissions.js';
import type { AppDeps } from './deps.js';
import { withEnvironmentData } from './environment-data.js';
import { loadEnvironmentFor } from './load.js';

/**
 * Row create/read/update/delete/list. These are one concept (a row of a table in an
 * environment) with five verbs; each is a single statement in the environment's database.
 */
async function onTable<T>(deps: AppDeps, actor: Principal, environmentId: string, action: Action, work: (db: EnvironmentDatabase) => T): Promise<T> {
  const env = await loadEnvironmentFor(deps.store, actor, environmentId, action);
  return withEnvironmentData(deps, env, work);
}

function tableOf(db: EnvironmentDatabase, name: string) {
  return db.getTable(name) ?? fail('NOT_FOUND', `The environment has no table "${name}".`);
}

export const insertRow = (deps: AppDeps, actor: Principal, environmentId: string, table: string, body: Record<string, unknown>): Promise<Row> => {
  const id = deps.ids.next('row');
  return onTable(deps, actor, environmentId, 'data.write', (db) => db.insertRow(table, id, normaliseRow(tableOf(db, table), body, false)));
};

export const getRow = (deps: AppDeps, actor: Principal, environmentId: string, table: string, rowId: string): Promise<Row> =>
  onTable(deps, actor, environmentId, 'data.read', (db) => {
    tableOf(db, table);
    return db.getRow(table, rowId) ?? fail('NOT_FOUND', `Table "${table}" has no row ${rowId}.`);
  });

export const updateRow = (
  deps: AppDeps,
  actor: Principal,
  environmentId: string,
  table: string,
  rowId: string,
  body: Record<string, unknown>,
): Promise<Row> =>
  onTable(deps, actor, environmentId, 'data.write', (db) => {
    const values = normaliseRow(tableOf(db, table), body, true);
    return db.updateRow(table, rowId, values) ?? fail('NOT_FOUND', `Table "${table}" has no row ${rowId}.`);
  });

export const deleteRow = (deps: AppDeps, actor: Principal, environmentId: string, table: string, rowId: string): Promise<void> =>
  onTable(deps, actor, environmentId, 'data.write', (db) => {
    tableOf(db, table);
    if (!db.deleteRow(table, rowId)) fail('NOT_FOUND', `Table "${table}" has no row ${rowId}.`);
  });

export const listRows = (
  deps: AppDeps,
  actor: Principal,
  environmentId: string,
  table: string,
  page: { limit: number; after?: string },
): Promise<RowPage> =>
  onTable(deps, actor, environmentId, 'data.read', (db) => {
    tableOf(db, table);
    return db.listRows(table, page);
  });
