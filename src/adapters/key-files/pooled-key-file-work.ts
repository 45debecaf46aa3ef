import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import type { GeneratedPfx, GeneratePfxInput, IssueKeyExchangeKeyInput, KeyExchangeKey, KeyFileKey } from '../../crypto/key-files/index.js';
import type { KeyFileWork } from '../../crypto/key-files/key-file-work.js';
import { FairQueue } from './fair-queue.js';
import { exchangeKeyOf, generatedOf, keyOf, proofOf, type KeyFileResult, type KeyFileTask } from './key-file-tasks.js';

export interface PooledKeyFileWorkOptions {
  /** Worker threads; default: one per core. */
  threads?: number;
  /** Jobs one tenant may have running and waiting at once (default 4); one more is RATE_LIMITED. */
  queuePerTenant?: number;
  /** Jobs all tenants may have running and waiting at once (default 16 per thread). */
  queueTotal?: number;
  /** The app's clock, for `retryAfter`. */
  now: () => Date;
}

/** How long a job may be expected to wait for a worker; longer, it is refused (FairQueue). */
const MAX_WAIT_MS = 30_000;
/** Each worker waits this long idle before it exits (the first job after pays ~0.3 s to start one). */
const IDLE_TIMEOUT_MS = 60_000;
/**
 * Worker threads run at a lower scheduling priority than the event loop (Linux nice applies to
 * the calling thread only), so a busy pool cannot starve the thread that answers requests.
 */
const NICE_INCREMENT = 10;

/**
 * KeyFileWork on a pool of worker threads (piscina) sized to the cores, fed by a FairQueue: the
 * event loop never runs a key derivation or an RSA key generation, and one tenant's flood of
 * uploads waits in that tenant's own short queue (then RATE_LIMITED) instead of in everyone's.
 */
export class PooledKeyFileWork implements KeyFileWork {
  private readonly pool: Piscina<KeyFileTask, KeyFileResult>;
  private readonly queue: FairQueue;

  constructor(options: PooledKeyFileWorkOptions) {
    const threads = Math.max(1, options.threads ?? availableParallelism());
    this.pool = new Piscina({
      filename: new URL('./key-file-worker-entry.js', import.meta.url).href,
      minThreads: 0,
      maxThreads: threads,
      idleTimeout: IDLE_TIMEOUT_MS,
      niceIncrement: process.platform === 'linux' ? NICE_INCREMENT : 0,
    });
    this.queue = new FairQueue({
      concurrency: threads,
      maxPendingPerTenant: options.queuePerTenant ?? 4,
      maxPending: options.queueTotal ?? threads * 16,
      maxWaitMs: MAX_WAIT_MS,
      now: options.now,
    });
  }

  async readPfx(tenantId: string, file: Uint8Array, password: string | undefined): Promise<KeyFileKey> {
    return keyOf(await this.run(tenantId, { kind: 'readPfx', file: ownCopy(file), password }));
  }

  async provePfx(tenantId: string, file: Uint8Array, password: string | undefined): Promise<{ thumbprint: string }> {
    return proofOf(await this.run(tenantId, { kind: 'provePfx', file: ownCopy(file), password }));
  }

  async generatePfx(tenantId: string, input: GeneratePfxInput): Promise<GeneratedPfx> {
    return generatedOf(await this.run(tenantId, { kind: 'generatePfx', input }));
  }

  async issueKeyExchangeKey(input: IssueKeyExchangeKeyInput): Promise<KeyExchangeKey> {
    return exchangeKeyOf(await this.run(input.tenantId, { kind: 'issueKeyExchangeKey', input }));
  }

  /** Jobs running or waiting for a tenant (tests, metrics). */
  pendingOf(tenantId: string): number {
    return this.queue.pendingOf(tenantId);
  }

  async close(): Promise<void> {
    this.queue.close();
    await this.pool.destroy();
  }

  private run(tenantId: string, task: KeyFileTask): Promise<KeyFileResult> {
    return this.queue.submit(tenantId, () => this.pool.run(task));
  }
}

/**
 * A Buffer may be a view into Node's shared allocation pool, and a typed array crosses a thread
 * boundary with its whole backing buffer: copy the file's bytes into one of their own first.
 */
const ownCopy = (file: Uint8Array): Uint8Array => new Uint8Array(file);
