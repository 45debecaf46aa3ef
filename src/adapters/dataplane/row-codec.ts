import { cellOf, type ColumnDefinition, type ColumnType, type Row, type RowValue, type TableDefinition } from '../../domain/table-schema.js';

/**
 * How a table of the API becomes an SQLite table and how its values travel. Tables are
 * STRICT, so SQLite itself refuses a value of the wrong storage class even if a caller skipped
 * `normaliseRow`; booleans also carry a CHECK so only 0 and 1 are ever stored.
 */
const SQL_TYPE: Record<ColumnType, string> = {
  text: 'TEXT',
  number: 'REAL',
  boolean: 'INTEGER',
  datetime: 'TEXT',
  file: 'BLOB',
  image: 'BLOB',
};

/**
 * Identifiers were validated by `assertValidTableDefinition` (letters, digits, `_`); quoting
 * them anyway, with `"` doubled, keeps a future relaxation of that rule from becoming injection.
 */
export const quoteIdentifier = (name: string): string => `"${name.replaceAll('"', '""')}"`;

/** Only the fields Keyward defines: whatever else a caller attached is not stored. */
export function canonicalDefinition(table: TableDefinition): TableDefinition {
  const columns = table.columns.map((c) => Object.freeze({ name: c.name, type: c.type }));
  return Object.freeze({ name: table.name, columns: Object.freeze(columns) as ColumnDefinition[] });
}

/**
 * WITHOUT ROWID: rows are stored in the id's B-tree itself, so a point read is one tree descent
 * and a keyset page is a run of neighbouring leaf pages, not one page per row scattered by
 * insertion order. With random ids that matters most for encryption: each page SQLite misses
 * in its cache is a page to decrypt. Measured (bench/dataplane.bench.ts workload, aegis-256x2):
 * against rowid tables, scans ran 2× faster even unencrypted and the encrypted/plain ratio rose
 * from 0.85× to 0.96×; point reads ~15% faster. The price: batch inserts of random ids ~40%
 * slower (page splits move whole rows); single-row API writes, bound by the commit's fsync,
 * only ~5% slower.
 * Large cells (files) spill to overflow pages either way.
 */
export function createTableSql(table: TableDefinition): string {
  const columns = table.columns.map((c) => {
    const name = quoteIdentifier(c.name);
    const check = c.type === 'boolean' ? ` CHECK (${name} IN (0, 1))` : '';
    return `${name} ${SQL_TYPE[c.type]}${check}`;
  });
  return `CREATE TABLE ${quoteIdentifier(table.name)} ("id" TEXT PRIMARY KEY NOT NULL, ${columns.join(', ')}) WITHOUT ROWID, STRICT`;
}

/** A value as bound to SQLite. */
export type SqlValue = string | number | Buffer | null;

function encodeCell(type: ColumnType, value: RowValue): SqlValue {
  if (value === null) return null;
  switch (type) {
    case 'boolean':
      return value === true ? 1 : 0;
    case 'file':
    case 'image':
      // Stored as bytes: a third smaller than the base64 the API carries.
      return Buffer.from(value as string, 'base64');
    default:
      return value as string | number;
  }
}

function decodeCell(type: ColumnType, value: unknown): RowValue {
  if (value === null || value === undefined) return null;
  switch (type) {
    case 'boolean':
      return value === 1 || value === 1n;
    case 'file':
    case 'image':
      return (value as Buffer).toString('base64');
    default:
      return value as string | number;
  }
}

/**
 * Column names are the tenant's and may be `constructor`, `toString`, `valueOf`…: values are read
 * as own properties only, so a name never picks up what a plain object inherits.
 */
const valueOf = (values: Record<string, RowValue>, name: string): RowValue => (cellOf(values, name) as RowValue | undefined) ?? null;

/**
 * Rows leave as plain objects (the JSON serializer and clients expect them). Assigning makes an
 * own property for every name but one: `__proto__` has a setter on `Object.prototype` (the
 * identifier rule rules that name out today; this keeps a relaxation from turning it into a
 * prototype).
 */
function setCell(row: Row, name: string, value: RowValue): void {
  if (name === '__proto__') Object.defineProperty(row, name, { value, enumerable: true, writable: true, configurable: true });
  else row[name] = value;
}

/**
 * One table's SQL and value conversion, built once per table per open handle. Statements read
 * rows in raw (array) mode: `id` first, then the columns in definition order.
 */
export class TableCodec {
  readonly definition: TableDefinition;
  readonly quotedName: string;
  /** `"id", "a", "b"` — the select list and the insert column list. */
  readonly selectList: string;
  private readonly types: ColumnType[];

  constructor(table: TableDefinition) {
    this.definition = canonicalDefinition(table);
    this.quotedName = quoteIdentifier(this.definition.name);
    this.types = this.definition.columns.map((c) => c.type);
    this.selectList = ['"id"', ...this.definition.columns.map((c) => quoteIdentifier(c.name))].join(', ');
  }

  /** Every column's value in definition order, absent ones as null (insert). */
  encodeAll(values: Record<string, RowValue>): SqlValue[] {
    return this.definition.columns.map((c) => encodeCell(c.type, valueOf(values, c.name)));
  }

  /** The columns present in `values`, in definition order, with their encoded values (update). */
  encodeSome(values: Record<string, RowValue>): { names: string[]; params: SqlValue[] } {
    const names: string[] = [];
    const params: SqlValue[] = [];
    for (const c of this.definition.columns) {
      if (!Object.hasOwn(values, c.name)) continue;
      names.push(c.name);
      params.push(encodeCell(c.type, valueOf(values, c.name)));
    }
    return { names, params };
  }

  /** The row as the API shows it, from values already in API form. */
  toRow(id: string, values: Record<string, RowValue>): Row {
    const row = { id } as Row;
    for (const c of this.definition.columns) setCell(row, c.name, valueOf(values, c.name));
    return row;
  }

  decode(raw: unknown[]): Row {
    const row = { id: raw[0] as string } as Row;
    const types = this.types;
    const columns = this.definition.columns;
    for (let i = 0; i < types.length; i++) {
      setCell(row, (columns[i] as ColumnDefinition).name, decodeCell(types[i] as ColumnType, raw[i + 1]));
    }
    return row;
  }
}
