// Encrypted environment database vs. plain SQLite: same pragmas (WAL, synchronous=FULL, 2 MiB
// page cache, temp_store=MEMORY), same code path (SqliteEnvironmentDatabase), same workload, in
// the same run, printed as ratios so figures from different machines stay comparable.
//
// Workload: a "tasks" table (text title ~40 B, text body ~250 B, number, boolean, datetime) with
// random row ids like the API's `row_<hex>`:
//   - batch insert: 100 rows per transaction (an import; shows the cipher's CPU cost best)
//   - autocommit insert: one row per commit, as the REST API writes (each commit fsyncs the WAL)
//   - point read cold: getRow by id spread over the whole table (~4× the page cache), so most
//     reads miss SQLite's cache and decrypt a page: the worst case for encryption
//   - point read warm: getRow over a range of ids whose pages fit the cache, the common case
//     (a page is decrypted once, when it enters the cache)
//   - scan cold / warm: listRows pages of 100 over the whole table / over that warm range
// Every configuration (plain and each candidate cipher) is measured in small interleaved slices
// (one transaction, one row, a thousand reads, one scan), alternating the order, so a noisy
// neighbour on the machine slows all of them alike instead of skewing one ratio. A ratio is the
// median over rounds of (cipher slice / plain slice of the same round): drifts cancel within a
// round, and a GC pause or preemption in one slice says nothing about the cipher. Batch inserts
// are the exception: total time, because checkpoints (every ~10 batches) are part of their cost.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHOSEN_CIPHER, CIPHER_CANDIDATES, openHandle, type CipherSettings } from '../src/adapters/dataplane/cipher-settings.js';
import { DEFAULT_CACHE_KIB_PER_HANDLE } from '../src/adapters/dataplane/sqlite-cipher-data-plane.js';
import { SqliteEnvironmentDatabase } from '../src/adapters/dataplane/sqlite-environment-database.js';
import type { TableDefinition } from '../src/domain/table-schema.js';

const BATCH_SIZE = 100;
const BATCHES = 200; // 20,000 rows, ~4× the page cache
const AUTOCOMMIT_ROWS = 400;
const READ_SLICE = 1_000;
const READ_SLICES = 21;
const WARM_ROWS = 3_000; // ~1 MiB of leaf pages, inside the 2 MiB cache
const SCAN_PASSES = 5;
const WARM_SCAN_PASSES = 30;
const GOAL = { write: 0.85, read: 0.95 };

const TASKS: TableDefinition = {
  name: 'tasks',
  columns: [
    { name: 'title', type: 'text' },
    { name: 'body', type: 'text' },
    { name: 'estimate', type: 'number' },
    { name: 'done', type: 'boolean' },
    { name: 'due', type: 'datetime' },
  ],
};

const METRICS = ['batchInsert', 'autocommit', 'pointCold', 'pointWarm', 'scanCold', 'scanWarm'] as const;
type Metric = (typeof METRICS)[number];
const HEADINGS: Record<Metric, string> = {
  batchInsert: 'batch insert',
  autocommit: 'autocommit',
  pointCold: 'point cold',
  pointWarm: 'point warm',
  scanCold: 'scan cold',
  scanWarm: 'scan warm',
};

interface Subject {
  cipher: CipherSettings | null;
  db: SqliteEnvironmentDatabase;
  ids: string[];
  warmIds: string[];
  ms: Record<Metric, number>;
  rows: Record<Metric, number>;
  /** Rows per second of each slice. */
  slices: Record<Metric, number[]>;
}

const words = 'key tenant region vault page cipher rotate lock unlock backup restore copy'.split(' ');
const text = (n: number): string => Array.from({ length: n }, (_, i) => words[(i * 7 + n) % words.length]).join(' ');
const rowValues = (i: number) => ({
  title: `Task ${i}: ${text(5)}`,
  body: text(30 + (i % 20)),
  estimate: (i % 97) * 0.5,
  done: i % 3 === 0,
  due: new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString(),
});
const newId = (): string => `row_${randomBytes(16).toString('hex')}`;
const zero = (): Record<Metric, number> => ({ batchInsert: 0, autocommit: 0, pointCold: 0, pointWarm: 0, scanCold: 0, scanWarm: 0 });

function openSubject(dir: string, cipher: CipherSettings | null): Subject {
  const path = join(dir, `${cipher?.label ?? 'plain'}.db`);
  writeFileSync(path, '');
  const dek = randomBytes(32);
  const db = new SqliteEnvironmentDatabase(openHandle(path, cipher, dek, { cacheKiB: DEFAULT_CACHE_KIB_PER_HANDLE }));
  dek.fill(0);
  db.createTable(TASKS);
  const slices = Object.fromEntries(METRICS.map((m) => [m, []])) as unknown as Record<Metric, number[]>;
  return { cipher, db, ids: [], warmIds: [], ms: zero(), rows: zero(), slices };
}

/** Runs `slice` for every subject, `slices` times, alternating the order; `slice` returns rows done. */
function interleaved(subjects: Subject[], metric: Metric, slices: number, slice: (s: Subject, index: number) => number): void {
  for (let i = 0; i < slices; i++) {
    for (const s of i % 2 === 0 ? subjects : [...subjects].reverse()) {
      const start = performance.now();
      const rows = slice(s, i);
      const ms = performance.now() - start;
      s.ms[metric] += ms;
      s.rows[metric] += rows;
      s.slices[metric].push((rows * 1000) / ms);
    }
  }
}

function scan(s: Subject, stopAfter: string | null): number {
  let rows = 0;
  let after: string | undefined;
  do {
    const page = s.db.listRows('tasks', after === undefined ? { limit: 100 } : { limit: 100, after });
    rows += page.items.length;
    after = page.nextCursor ?? undefined;
  } while (after !== undefined && (stopAfter === null || after < stopAfter));
  return rows;
}

function pointReads(s: Subject, ids: string[], slice: number): number {
  for (let i = 0; i < READ_SLICE; i++) {
    const id = ids[((slice * READ_SLICE + i) * 7919) % ids.length] as string;
    if (s.db.getRow('tasks', id) === undefined) throw new Error('row missing');
  }
  return READ_SLICE;
}

function workload(subjects: Subject[]): void {
  interleaved(subjects, 'batchInsert', BATCHES, (s, b) =>
    s.db.transaction(() => {
      for (let i = b * BATCH_SIZE; i < (b + 1) * BATCH_SIZE; i++) {
        const id = newId();
        s.ids.push(id);
        s.db.insertRow('tasks', id, rowValues(i));
      }
      return BATCH_SIZE;
    }),
  );
  interleaved(subjects, 'autocommit', AUTOCOMMIT_ROWS, (s, i) => (s.db.insertRow('tasks', newId(), rowValues(BATCHES * BATCH_SIZE + i)), 1));
  for (const s of subjects) {
    s.db.handle.pragma('wal_checkpoint(TRUNCATE)'); // reads then come from the main file
    s.warmIds = [...s.ids].sort().slice(0, WARM_ROWS);
  }
  interleaved(subjects, 'pointCold', READ_SLICES, (s, i) => pointReads(s, s.ids, i));
  for (const s of subjects) pointReads(s, s.warmIds, 0); // the warm range enters the cache
  interleaved(subjects, 'pointWarm', READ_SLICES, (s, i) => pointReads(s, s.warmIds, i));
  interleaved(subjects, 'scanCold', SCAN_PASSES, (s) => scan(s, null));
  interleaved(subjects, 'scanWarm', WARM_SCAN_PASSES, (s) => scan(s, s.warmIds[WARM_ROWS - 1] ?? null));
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}
const rate = (s: Subject, m: Metric): number => (m === 'batchInsert' ? (s.rows[m] * 1000) / s.ms[m] : median(s.slices[m]));
const ratio = (s: Subject, plain: Subject, m: Metric): number =>
  m === 'batchInsert' ? rate(s, m) / rate(plain, m) : median(s.slices[m].map((r, i) => r / (plain.slices[m][i] as number)));
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US').padStart(9);

function report(subjects: Subject[]): void {
  const plain = subjects.find((s) => s.cipher === null) as Subject;
  const chosen = subjects.find((s) => s.cipher === CHOSEN_CIPHER) as Subject;
  console.log(`rows/s and ratio to plain; batch = ${BATCH_SIZE} rows/transaction, autocommit = 1 row/commit (fsync);`);
  console.log('rates: batch insert total, others median slice; ratios: median of same-round pairs (see top of file)');
  console.log('config'.padEnd(24) + METRICS.map((m) => HEADINGS[m].padStart(17)).join(''));
  for (const s of subjects) {
    const c = s.cipher;
    const label = c === null ? 'plain (no encryption)' : `${c.label}${c.authenticated ? '' : ' (unauth.)'}${c === CHOSEN_CIPHER ? ' *' : ''}`;
    const cells = METRICS.map((m) => `${fmt(rate(s, m))} ${c === null ? '      ' : `${ratio(s, plain, m).toFixed(2)}×`.padStart(6)}`);
    console.log(label.padEnd(24) + cells.map((cell) => cell.padStart(17)).join(''));
  }
  const verdict = (m: Metric, goal: number): string => {
    const r = ratio(chosen, plain, m);
    return `${HEADINGS[m]} ${r.toFixed(2)}× (${r >= goal ? 'meets' : 'BELOW'} ${goal}×)`;
  };
  console.log(`* chosen: ${CHOSEN_CIPHER.label}`);
  console.log(`  writes (goal ≥ ${GOAL.write}×): ${verdict('batchInsert', GOAL.write)}, ${verdict('autocommit', GOAL.write)}`);
  console.log(
    `  reads  (goal ≥ ${GOAL.read}×): ${(['pointCold', 'pointWarm', 'scanCold', 'scanWarm'] as const).map((m) => verdict(m, GOAL.read)).join(', ')}`,
  );
}

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'kw-bench-dataplane-'));
  const subjects: Subject[] = [];
  try {
    for (const cipher of [null, ...CIPHER_CANDIDATES]) subjects.push(openSubject(dir, cipher));
    workload(subjects);
    report(subjects);
  } finally {
    for (const s of subjects) s.db.close();
    rmSync(dir, { recursive: true, force: true });
  }
  await Promise.resolve();
}
