import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TableDefinition } from '../../src/domain/table-schema.js';
import { SqliteCipherDataPlane, type SqliteCipherDataPlaneOptions } from '../../src/adapters/dataplane/sqlite-cipher-data-plane.js';

/** A data plane in a fresh temporary directory; `dispose` closes it and removes the directory. */
export function tempPlane(options: Partial<SqliteCipherDataPlaneOptions> = {}): {
  plane: SqliteCipherDataPlane;
  dir: string;
  dispose: () => Promise<void>;
} {
  const dir = mkdtempSync(join(tmpdir(), 'kw-dataplane-'));
  const plane = new SqliteCipherDataPlane({ directory: dir, ...options });
  return {
    plane,
    dir,
    dispose: async () => {
      await plane.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const newDek = (): Buffer => randomBytes(32);

/** A loader that hands out a fresh copy each time (the plane zeroes what it gets) and counts calls. */
export function dekLoader(dek: Buffer): { load: () => Promise<Buffer>; calls: () => number } {
  let calls = 0;
  return {
    load: () => {
      calls++;
      return Promise.resolve(Buffer.from(dek));
    },
    calls: () => calls,
  };
}

export const everyTypeTable: TableDefinition = {
  name: 'Things',
  columns: [
    { name: 'title', type: 'text' },
    { name: 'amount', type: 'number' },
    { name: 'done', type: 'boolean' },
    { name: 'due', type: 'datetime' },
    { name: 'attachment', type: 'file' },
    { name: 'picture', type: 'image' },
  ],
};

/** Every file's raw bytes, to scan for plaintext. */
export const rawBytes = (paths: string[]): Array<{ path: string; bytes: Buffer }> => paths.map((path) => ({ path, bytes: readFileSync(path) }));
