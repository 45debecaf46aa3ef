import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteCipherDataPlane } from '../../src/adapters/dataplane/sqlite-cipher-data-plane.js';

/** Two server instances on one host share the environment files; each sees the other's tables. */
describe('two data planes on one directory', () => {
  const dir = mkdtempSync(join(tmpdir(), 'keyward-shared-'));
  const a = new SqliteCipherDataPlane({ directory: dir });
  const b = new SqliteCipherDataPlane({ directory: dir });
  afterAll(async () => {
    await a.close();
    await b.close();
  });

  it('a table created through one is used at once through the other, whose handle was already open', async () => {
    const dek = randomBytes(32);
    await a.create('env_shared', Buffer.from(dek));
    const load = () => Promise.resolve(Buffer.from(dek));
    expect(await a.use('env_shared', load, (db) => db.listTables())).toEqual([]);
    await b.use('env_shared', load, (db) => db.createTable({ name: 'notes', columns: [{ name: 'body', type: 'text' }] }));
    const row = await a.use('env_shared', load, (db) => db.insertRow('notes', 'row_1', { body: 'hello' }));
    expect(row).toEqual({ id: 'row_1', body: 'hello' });
    expect(await b.use('env_shared', load, (db) => db.getRow('notes', 'row_1'))).toEqual(row);
  });
});
