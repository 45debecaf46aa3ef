import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import { settleCopy, type CopyResult, type CopyTask } from './copy-tasks.js';

/** Copies run at a lower priority than the event loop (Linux: per thread), like key-file work. */
const NICE_INCREMENT = 10;
const IDLE_TIMEOUT_MS = 60_000;

/**
 * Moves a DEK into an ArrayBuffer of its own, for a copy task to take to its thread, and zeroes
 * the caller's buffer: after this the key exists only in what is handed over.
 */
export function movedKey(dek: Buffer): ArrayBuffer {
  const bytes = new ArrayBuffer(dek.length);
  new Uint8Array(bytes).set(dek);
  dek.fill(0);
  return bytes;
}

const keysOf = (task: CopyTask): ArrayBuffer[] =>
  task.kind === 'copyLive' ? [task.dek] : task.toDek === null ? [task.fromDek] : [task.fromDek, task.toDek];

/**
 * The copy workers of a data plane: `VACUUM INTO` of a live database and the re-key of a copy run
 * here, off the event loop (SPEC F1). A running task cannot be stopped: each is one long call
 * into SQLite, and ending a worker thread inside it aborts the whole process (better-sqlite3
 * raises into a terminating isolate). The data plane therefore discards the result of a copy
 * that an evict overtook, and the worker's copy of the DEK lives until the task ends.
 */
export class CopyPool {
  private pool: Piscina<CopyTask, CopyResult> | undefined;

  constructor(private readonly threads = Math.max(1, Math.floor(availableParallelism() / 2))) {}

  /** Runs `task`; its DEK buffers are moved to the worker (unusable here afterwards). */
  async run(task: CopyTask): Promise<void> {
    settleCopy(await this.workers().run(task, { transferList: keysOf(task) }));
  }

  async close(): Promise<void> {
    // Lets running copies finish (see above); none new start.
    await this.pool?.close();
    this.pool = undefined;
  }

  /** Made on the first copy: a data plane that never copies starts no thread. */
  private workers(): Piscina<CopyTask, CopyResult> {
    this.pool ??= new Piscina({
      filename: new URL('./copy-worker-entry.js', import.meta.url).href,
      minThreads: 0,
      maxThreads: this.threads,
      idleTimeout: IDLE_TIMEOUT_MS,
      niceIncrement: process.platform === 'linux' ? NICE_INCREMENT : 0,
    });
    return this.pool;
  }
}
