import { fail } from './errors.js';

export const COLUMN_TYPES = ['text', 'number', 'boolean', 'datetime', 'file', 'image'] as const;
export type ColumnType = (typeof COLUMN_TYPES)[number];

export interface ColumnDefinition {
  name: string;
  type: ColumnType;
}

export interface TableDefinition {
  name: string;
  columns: ColumnDefinition[];
}

/** A row as clients see it: `id` plus one value per column (null when unset). */
export type RowValue = string | number | boolean | null;
export type Row = { id: string } & Record<string, RowValue>;

/**
 * Names become SQL identifiers inside the environment database, so they are restricted to a
 * safe alphabet rather than quoted and hoped for. Names starting with `_` are Keyward's.
 */
export const IDENTIFIER_PATTERN = '^[A-Za-z][A-Za-z0-9_]{0,62}$';
const IDENTIFIER = new RegExp(IDENTIFIER_PATTERN);
const RESERVED_COLUMNS = new Set(['id', 'rowid', 'oid', '_rowid_']);
export const MAX_COLUMNS = 100;

/** Columns whose data the seed keeps outside the database, which rules out a tenant key (R2). */
export const hasFileOrImageColumn = (table: TableDefinition): boolean => table.columns.some((c) => c.type === 'file' || c.type === 'image');

export function assertValidTableDefinition(table: TableDefinition): void {
  if (!IDENTIFIER.test(table.name)) {
    fail('VALIDATION_FAILED', `Table name "${table.name}" must start with a letter and hold only letters, digits and _ (at most 63).`);
  }
  if (table.columns.length === 0 || table.columns.length > MAX_COLUMNS) {
    fail('VALIDATION_FAILED', `A table needs between 1 and ${MAX_COLUMNS} columns.`);
  }
  const seen = new Set<string>();
  for (const column of table.columns) {
    if (!IDENTIFIER.test(column.name)) {
      fail('VALIDATION_FAILED', `Column name "${column.name}" must start with a letter and hold only letters, digits and _ (at most 63).`);
    }
    const lower = column.name.toLowerCase();
    if (RESERVED_COLUMNS.has(lower)) fail('VALIDATION_FAILED', `Column name "${column.name}" is reserved.`);
    if (seen.has(lower)) fail('VALIDATION_FAILED', `Column "${column.name}" appears twice.`);
    seen.add(lower);
  }
}

/** Largest text or file value accepted in one cell (files travel base64-encoded). */
export const MAX_CELL_BYTES = 4 * 1024 * 1024;
/**
 * Largest row, all its cells together (in `rowBytes`' measure), so that one row always fits in
 * one answer: without it, a hundred 4 MiB cells set one PATCH at a time make a row no server
 * can serialise (F3).
 */
export const MAX_ROW_BYTES = 16 * 1024 * 1024;

/**
 * What a row weighs in an answer, about its JSON size: characters of text (base64 for files),
 * 8 per number, 5 per boolean, plus the column names. Used for the row cap and page byte caps.
 */
export function rowBytes(cells: Readonly<Record<string, RowValue>>): number {
  let bytes = 0;
  for (const [name, value] of Object.entries(cells)) {
    bytes += name.length + 4;
    if (typeof value === 'string') bytes += value.length;
    else if (typeof value === 'number') bytes += 8;
    else if (typeof value === 'boolean') bytes += 5;
    else bytes += 4;
  }
  return bytes;
}

export function assertRowSize(cells: Readonly<Record<string, RowValue>>): void {
  const bytes = rowBytes(cells);
  if (bytes > MAX_ROW_BYTES) {
    fail(
      'PAYLOAD_TOO_LARGE',
      `The row would hold ${bytes} bytes; a row holds at most ${MAX_ROW_BYTES} bytes (${MAX_ROW_BYTES / 1024 / 1024} MiB) in all.`,
    );
  }
}
const ISO_DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Checks one value against its column type and returns it in stored form: datetimes
 * normalised to UTC ISO strings. `null` clears a cell.
 */
export function normaliseCell(column: ColumnDefinition, value: unknown): RowValue {
  if (value === null) return null;
  const wrong = (expected: string): never => fail('VALIDATION_FAILED', `Column "${column.name}" takes ${expected}.`);
  switch (column.type) {
    case 'text':
      if (typeof value !== 'string') return wrong('a string');
      if (Buffer.byteLength(value) > MAX_CELL_BYTES) return wrong(`at most ${MAX_CELL_BYTES} bytes`);
      return value;
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) return wrong('a finite number');
      return value;
    case 'boolean':
      if (typeof value !== 'boolean') return wrong('true or false');
      return value;
    case 'datetime': {
      if (typeof value !== 'string' || !ISO_DATETIME.test(value)) return wrong('an ISO 8601 date-time such as 2026-01-31T12:00:00Z');
      const time = Date.parse(value);
      if (Number.isNaN(time)) return wrong('a valid ISO 8601 date-time');
      return new Date(time).toISOString();
    }
    case 'file':
    case 'image':
      if (typeof value !== 'string' || !BASE64.test(value) || value.length % 4 !== 0) return wrong('standard base64 text');
      if ((value.length / 4) * 3 > MAX_CELL_BYTES) return wrong(`at most ${MAX_CELL_BYTES} bytes`);
      return value;
  }
}

/**
 * Cell values by column name. Column names are the tenant's (`constructor`, `toString`,
 * `valueOf` are valid names), so such maps have no prototype and are read only through own
 * properties (`cellOf`): a name never finds something the map merely inherits.
 */
export type Cells = Record<string, RowValue>;

export const emptyCells = (): Cells => Object.create(null) as Cells;

/** The cell named `name` if the map holds one of its own, else undefined. */
export const cellOf = (cells: Readonly<Record<string, unknown>>, name: string): unknown => (Object.hasOwn(cells, name) ? cells[name] : undefined);

/** Validates a whole row body against a table: unknown columns are refused, not dropped. */
export function normaliseRow(table: TableDefinition, body: Record<string, unknown>, partial: boolean): Cells {
  const byName = new Map(table.columns.map((c) => [c.name, c]));
  const out = emptyCells();
  for (const [name, value] of Object.entries(body)) {
    const column = byName.get(name);
    if (!column) fail('VALIDATION_FAILED', `Table "${table.name}" has no column "${name}".`);
    out[name] = normaliseCell(column!, value);
  }
  if (!partial) for (const c of table.columns) if (!Object.hasOwn(out, c.name)) out[c.name] = null;
  return out;
}
