// Backups, restores and copies of a ~100 MB environment (data plane, SQLite3 Multiple Ciphers)
// next to a plain file copy of the same bytes, in the same run, printed as ratios so figures
// from different machines stay comparable.
//
// What is timed (each in every round, rounds interleaved so a noisy neighbour slows all alike;
// the median over rounds is printed):
//   - copyFile: fs.copyFile of the environment's database file (the floor: no decryption, no
//     fsync); copyFile+fsync: the same made durable, as every step below makes its output;
//   - backup: VACUUM INTO on the open keyed handle (a consistent, online copy under the same DEK);
//   - restore (own): the backup back into its environment: file copy, quick_check (every page
//     decrypted once), swap;
//   - restore (other): the backup into another environment: file copy, re-key to that
//     environment's DEK (every page decrypted and encrypted again), swap;
//   - copy (live): another environment's live database into this one: VACUUM INTO + re-key + swap;
//   - re-key (apply): the environment's own database under a fresh DEK, as apply and return do
//     (SPEC L4): VACUUM INTO + re-key + swap (per MiB: what the downtime of an apply costs).
// MB/s are of the environment's database size. All of it runs on the caller's thread: the
// milliseconds are also how long a server's event loop is busy per operation.
import { randomBytes } from 'node:crypto';
import { closeSync, copyFileSync, fsyncSync, mkdtempSync, openSync, rmSync, statSync } from 'node:fs';
import { copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteCipherDataPlane } from '../src/adapters/dataplane/sqlite-cipher-data-plane.js';
import type { SqliteEnvironmentDatabase } from '../src/adapters/dataplane/sqlite-environment-database.js';
import type { EnvironmentDatabase } from '../src/ports/data-plane.js';

const TARGET_BYTES = 100 * 1024 * 1024;
const ROW_TEXT_BYTES = 1_000;
const BATCH = 1_000;
const ROUNDS = 5;

const STEPS = ['copyFile', 'copyFile+fsync', 'backup', 'restore (own)', 'restore (other)', 'copy (live)', 're-key (apply)'] as const;
type Step = (typeof STEPS)[number];

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

async function time(fn: () => Promise<unknown> | void): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

const sqlite = (db: EnvironmentDatabase) => db as SqliteEnvironmentDatabase;

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'kw-bench-backup-'));
  const plane = new SqliteCipherDataPlane({ directory: dir, backupDirectory: join(dir, 'backups') });
  try {
    const deks = { src: randomBytes(32), dst: randomBytes(32) };
    const load = (dek: Buffer) => () => Promise.resolve(Buffer.from(dek));
    await plane.create('env_src', deks.src);
    await plane.create('env_dst', deks.dst);

    // ~100 MB of rows with random ids and incompressible text, like an API-written table.
    const fillStart = Date.now();
    let rows = 0;
    await plane.use('env_src', load(deks.src), (db) => db.createTable({ name: 'docs', columns: [{ name: 'body', type: 'text' }] }));
    while (statSync(join(dir, 'env_src.db')).size < TARGET_BYTES) {
      await plane.use('env_src', load(deks.src), (db) => {
        sqlite(db).transaction(() => {
          for (let i = 0; i < BATCH; i++)
            db.insertRow('docs', `row_${randomBytes(8).toString('hex')}`, { body: randomBytes(ROW_TEXT_BYTES / 2).toString('hex') });
        });
        // The database file itself is what is measured: fold the WAL into it as it grows.
        sqlite(db).handle.pragma('wal_checkpoint(TRUNCATE)');
      });
      rows += BATCH;
    }
    const size = statSync(join(dir, 'env_src.db')).size;
    const mb = size / (1024 * 1024);
    console.log(`environment: ${rows.toLocaleString('en')} rows, ${mb.toFixed(1)} MiB (filled in ${((Date.now() - fillStart) / 1000).toFixed(1)} s)`);

    const samples = Object.fromEntries(STEPS.map((s) => [s, [] as number[]])) as Record<Step, number[]>;
    for (let round = 0; round < ROUNDS; round++) {
      const backupId = `bk_${round}`;
      const plain = join(dir, `plain-${round}.db`);
      samples.copyFile.push(await time(() => copyFile(join(dir, 'env_src.db'), plain)));
      rmSync(plain);
      samples['copyFile+fsync'].push(await time(() => durableCopy(join(dir, 'env_src.db'), plain)));
      rmSync(plain);
      samples.backup.push(await time(() => plane.backup('env_src', load(deks.src), backupId)));
      samples['restore (own)'].push(
        await time(() => plane.restoreInto('env_src', load(deks.src), { environmentId: 'env_src', loadDek: load(deks.src), backupId })),
      );
      samples['restore (other)'].push(
        await time(() => plane.restoreInto('env_dst', load(deks.dst), { environmentId: 'env_src', loadDek: load(deks.src), backupId })),
      );
      samples['copy (live)'].push(
        await time(() => plane.restoreInto('env_dst', load(deks.dst), { environmentId: 'env_src', loadDek: load(deks.src) })),
      );
      const fresh = randomBytes(32);
      samples['re-key (apply)'].push(await time(() => plane.rekey('env_src', load(deks.src), load(fresh))));
      deks.src = fresh;
      await plane.destroyBackup('env_src', backupId);
    }

    const base = median(samples.copyFile);
    console.log(`\n  ${'step'.padEnd(18)}${'median ms'.padStart(11)}${'MiB/s'.padStart(9)}${'× copyFile'.padStart(12)}${'copyFile ÷'.padStart(12)}`);
    for (const step of STEPS) {
      const ms = median(samples[step]);
      console.log(
        `  ${step.padEnd(18)}${ms.toFixed(0).padStart(11)}${(mb / (ms / 1000)).toFixed(0).padStart(9)}${`${(ms / base).toFixed(1)}×`.padStart(12)}${(base / ms).toFixed(2).padStart(12)}`,
      );
    }
    console.log(
      `  (${ROUNDS} rounds; "× copyFile": how many times longer than fs.copyFile of the same ${mb.toFixed(0)} MiB; "copyFile ÷": its throughput as a share of copyFile's)`,
    );
  } finally {
    await plane.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function durableCopy(from: string, to: string): void {
  copyFileSync(from, to);
  const fd = openSync(to, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
