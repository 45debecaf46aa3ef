import type Database from 'better-sqlite3-multiple-ciphers';
import { fail } from '../../domain/errors.js';
import {
  assertRowSize,
  assertValidTableDefinition,
  normaliseRow,
  rowBytes,
  type Row,
  type RowValue,
  type TableDefinition,
} from '../../domain/table-schema.js';
import type { EnvironmentDatabase, RowPage } from '../../ports/data-plane.js';
import { LruCache } from './handle-cache.js';
import { createTableSql, quoteIdentifier, TableCodec } from './row-codec.js';

/**
 * Table definitions live inside the encrypted database, so table and column names are as
 * secret as the rows. Names compare case-insensitively, as SQLite's own identifiers do.
 */
const META_TABLE = '"_kw_tables"';
const CREATE_META = `CREATE TABLE IF NOT EXISTS ${META_TABLE} (name TEXT PRIMARY KEY COLLATE NOCASE NOT NULL, definition TEXT NOT NULL) STRICT`;

export const MAX_PAGE_SIZE = 1000;
/**
 * Row data one page carries at most (`rowBytes`), unless its first row alone is larger (a page
 * always has a row, so paging always moves on). 70 rows of 8 MiB asked for at once would need
 * half a gigabyte in memory and more than V8 can put in one string (SPEC F3).
 */
export const DEFAULT_MAX_PAGE_BYTES = 8 * 1024 * 1024;
/** Row ids come from the caller (`row_<hex>` from Ids); bounded so an index entry stays small. */
export const MAX_ROW_ID_LENGTH = 256;
/** Distinct update shapes (which columns a PATCH sets) are many; keep the hot ones prepared. */
const STATEMENT_CACHE_SIZE = 128;

type Statement = Database.Statement<unknown[], unknown>;

const isConstraint = (error: unknown, code: string): boolean => typeof error === 'object' && error !== null && 'code' in error && error.code === code;

function assertRowId(id: unknown): asserts id is string {
  if (typeof id !== 'string' || id.length === 0 || id.length > MAX_ROW_ID_LENGTH) {
    fail('VALIDATION_FAILED', `A row id must be a string of 1 to ${MAX_ROW_ID_LENGTH} characters.`);
  }
}

/**
 * One open, keyed environment database. Every statement is prepared once per handle and kept
 * in a small LRU; everything runs synchronously, so a caller's `work` sees a consistent handle.
 */
export class SqliteEnvironmentDatabase implements EnvironmentDatabase {
  private readonly tables = new Map<string, TableCodec>();
  private readonly statements = new LruCache<string, Statement>(STATEMENT_CACHE_SIZE, () => undefined);
  /** The schema version the table cache was read at; -1 forces a read. */
  private schemaVersion = -1;

  private readonly maxPageBytes: number;

  /** Takes ownership of `handle`: `close()` closes it. */
  constructor(
    readonly handle: Database.Database,
    options: { maxPageBytes?: number } = {},
  ) {
    this.maxPageBytes = options.maxPageBytes ?? DEFAULT_MAX_PAGE_BYTES;
    handle.exec(CREATE_META);
    this.refreshTables();
  }

  /**
   * Another connection (another server instance on the same file) may have created a table
   * since the cache was read; SQLite bumps `schema_version` on every schema change, so one
   * cheap pragma per lookup keeps the cache true.
   */
  private refreshTables(): void {
    const version = Number(this.handle.pragma('schema_version', { simple: true }));
    if (version === this.schemaVersion) return;
    this.tables.clear();
    const rows = this.handle.prepare(`SELECT definition FROM ${META_TABLE}`).pluck().all() as string[];
    for (const json of rows) {
      const codec = new TableCodec(JSON.parse(json) as TableDefinition);
      this.tables.set(codec.definition.name.toLowerCase(), codec);
    }
    this.schemaVersion = version;
  }

  get isOpen(): boolean {
    return this.handle.open;
  }

  /** Closing wipes the key schedule SQLite3MC holds for this handle. */
  close(): void {
    if (this.handle.open) this.handle.close();
  }

  /** Runs `fn` in one transaction (adapter-only: batch imports and the bench use it). */
  transaction<T>(fn: () => T): T {
    return this.handle.transaction(fn)();
  }

  createTable(table: TableDefinition): void {
    assertValidTableDefinition(table);
    const key = table.name.toLowerCase();
    if (key.startsWith('sqlite_')) fail('VALIDATION_FAILED', 'Table names starting with "sqlite_" are reserved.');
    this.refreshTables();
    if (this.tables.has(key)) fail('CONFLICT', `The environment already has a table "${table.name}".`);
    const codec = new TableCodec(table);
    this.transaction(() => {
      this.handle.exec(createTableSql(codec.definition));
      this.statement('meta:insert', `INSERT INTO ${META_TABLE} (name, definition) VALUES (?, ?)`, false).run(
        codec.definition.name,
        JSON.stringify(codec.definition),
      );
    });
    this.tables.set(key, codec);
    this.schemaVersion = Number(this.handle.pragma('schema_version', { simple: true }));
  }

  getTable(name: string): TableDefinition | undefined {
    this.refreshTables();
    return this.tables.get(name.toLowerCase())?.definition;
  }

  listTables(): TableDefinition[] {
    this.refreshTables();
    return [...this.tables.values()].map((c) => c.definition).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  insertRow(table: string, id: string, values: Record<string, RowValue>): Row {
    const codec = this.codec(table);
    assertRowId(id);
    const normal = normaliseRow(codec.definition, values, false);
    assertRowSize(normal);
    const placeholders = codec.definition.columns.map(() => '?').join(', ');
    const insert = this.statement(
      `i:${codec.definition.name}`,
      `INSERT INTO ${codec.quotedName} (${codec.selectList}) VALUES (?, ${placeholders})`,
      false,
    );
    try {
      insert.run(id, ...codec.encodeAll(normal));
    } catch (error) {
      if (isConstraint(error, 'SQLITE_CONSTRAINT_PRIMARYKEY')) fail('CONFLICT', `Table "${codec.definition.name}" already has a row ${id}.`);
      throw error;
    }
    return codec.toRow(id, normal);
  }

  getRow(table: string, id: string): Row | undefined {
    const codec = this.codec(table);
    assertRowId(id);
    const raw = this.statement(`g:${codec.definition.name}`, `SELECT ${codec.selectList} FROM ${codec.quotedName} WHERE "id" = ?`, true).get(id);
    return raw === undefined ? undefined : codec.decode(raw as unknown[]);
  }

  updateRow(table: string, id: string, values: Record<string, RowValue>): Row | undefined {
    const codec = this.codec(table);
    assertRowId(id);
    const { names, params } = codec.encodeSome(normaliseRow(codec.definition, values, true));
    if (names.length === 0) return this.getRow(table, id);
    const sets = names.map((n) => `${quoteIdentifier(n)} = ?`).join(', ');
    const sql = `UPDATE ${codec.quotedName} SET ${sets} WHERE "id" = ? RETURNING ${codec.selectList}`;
    const update = this.statement(`u:${codec.definition.name}:${names.join(',')}`, sql, true);
    // The row's new size is known only once it is written: a row grown past the cap rolls back.
    return this.transaction(() => {
      const raw = update.get(...params, id);
      if (raw === undefined) return undefined;
      const row = codec.decode(raw as unknown[]);
      assertRowSize(row);
      return row;
    });
  }

  deleteRow(table: string, id: string): boolean {
    const codec = this.codec(table);
    assertRowId(id);
    const del = this.statement(`d:${codec.definition.name}`, `DELETE FROM ${codec.quotedName} WHERE "id" = ?`, false);
    return del.run(id).changes > 0;
  }

  /**
   * Keyset paging on the primary key: a page costs the same wherever it starts, and rows
   * inserted meanwhile never shift a later page. One extra row is read to tell whether
   * another page follows. Ids are never empty, so `> ''` is "from the start".
   * Rows are read one at a time, and the page stops early, with a cursor, before the row that
   * would take it past `maxPageBytes` of row data: its size is bounded, whatever `limit` asks.
   */
  listRows(table: string, page: { limit: number; after?: string }): RowPage {
    const codec = this.codec(table);
    const { limit, after } = page;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
      fail('VALIDATION_FAILED', `The page limit must be a whole number from 1 to ${MAX_PAGE_SIZE}.`);
    }
    if (after !== undefined) assertRowId(after);
    const sql = `SELECT ${codec.selectList} FROM ${codec.quotedName} WHERE "id" > ? ORDER BY "id" LIMIT ?`;
    const items: Row[] = [];
    let bytes = 0;
    let more = false;
    for (const raw of this.statement(`l:${codec.definition.name}`, sql, true).iterate(after ?? '', limit + 1)) {
      if (items.length === limit) {
        more = true;
        break;
      }
      const row = codec.decode(raw as unknown[]);
      const size = rowBytes(row);
      if (items.length > 0 && bytes + size > this.maxPageBytes) {
        more = true;
        break;
      }
      items.push(row);
      bytes += size;
    }
    const last = items[items.length - 1];
    return { items, nextCursor: more && last !== undefined ? last.id : null };
  }

  private codec(table: string): TableCodec {
    this.refreshTables();
    return this.tables.get(String(table).toLowerCase()) ?? fail('NOT_FOUND', `The environment has no table "${table}".`);
  }

  /** `raw` statements return rows as arrays (id first, then columns in definition order). */
  private statement(key: string, sql: string, raw: boolean): Statement {
    let statement = this.statements.get(key);
    if (statement === undefined) {
      statement = this.handle.prepare<unknown[], unknown>(sql);
      if (raw) statement.raw(true);
      this.statements.set(key, statement);
    }
    return statement;
  }
}
