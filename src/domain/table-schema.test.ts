import { describe, expect, it } from 'vitest';
import { cellOf, normaliseRow, type TableDefinition } from './table-schema.js';

const table: TableDefinition = {
  name: 't',
  columns: [
    { name: 'constructor', type: 'boolean' },
    { name: 'toString', type: 'text' },
    { name: 'label', type: 'text' },
  ],
};

describe('normaliseRow with column names objects inherit', () => {
  it('fills omitted columns with null, whatever their name', () => {
    const row = normaliseRow(table, { label: 'x' }, false);
    expect(Object.entries(row)).toEqual([
      ['label', 'x'],
      ['constructor', null],
      ['toString', null],
    ]);
  });

  it('a partial row holds only what was sent, and lookups see own cells only', () => {
    const row = normaliseRow(table, { label: 'x' }, true);
    expect(Object.keys(row)).toEqual(['label']);
    expect(cellOf(row, 'constructor')).toBeUndefined();
    expect(cellOf({}, 'toString')).toBeUndefined();
  });
});
