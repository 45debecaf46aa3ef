import { performance } from 'node:perf_hooks';
import { fail, KeywardError } from '../../domain/errors.js';

export interface FairQueueOptions {
  /** Jobs running at once (the worker pool's threads). */
  concurrency: number;
  /** Jobs one tenant may have running and waiting together; one more is RATE_LIMITED. */
  maxPendingPerTenant: number;
  /** Jobs all tenants may have running and waiting together. */
  maxPending: number;
  /** The app's clock, for the `retryAfter` of a refusal. */
  now: () => Date;
  /** What a job costs before any has been measured, in ms (a 600,000-iteration .pfx read: ~1.5 s). */
  initialJobMs?: number;
  /**
   * A job expected to wait longer than this (from the measured job time and the jobs ahead) is
   * refused at once: a request that waits past the server's socket timeouts would be cut off
   * without an answer, after taking a place in the queue all that time.
   */
  maxWaitMs?: number;
}

interface Waiting {
  start: () => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * Shares a few workers out between tenants: each tenant has a bounded queue of its own, and a
 * free worker takes the oldest job of the next tenant in turn (round robin), so a tenant with 32
 * uploads waiting delays another tenant's one upload by at most one job per worker, not 32.
 * A full queue refuses at once (RATE_LIMITED, with a `retryAfter` from the measured job time)
 * instead of letting waits grow without bound.
 */
export class FairQueue {
  /** Tenants with waiting jobs, in turn order: the first one is served next. */
  private readonly waiting = new Map<string, Waiting[]>();
  private readonly pendingByTenant = new Map<string, number>();
  private pending = 0;
  private running = 0;
  private averageMs: number;
  private closed = false;

  constructor(private readonly options: FairQueueOptions) {
    if (!(options.concurrency >= 1 && options.maxPendingPerTenant >= 1 && options.maxPending >= 1)) {
      throw new RangeError('FairQueue needs a concurrency and queue bounds of at least 1.');
    }
    this.averageMs = options.initialJobMs ?? 1_500;
  }

  /** Jobs running or waiting for `tenantId` (for tests and metrics). */
  pendingOf(tenantId: string): number {
    return this.pendingByTenant.get(tenantId) ?? 0;
  }

  get size(): number {
    return this.pending;
  }

  submit<T>(tenantId: string, start: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new KeywardError('INTERNAL', 'The key-file workers are shut down.'));
    const mine = this.pendingOf(tenantId);
    try {
      if (mine >= this.options.maxPendingPerTenant) {
        this.refuse(
          `This tenant already has ${mine} key-file operations (reading or making a .pfx) running or waiting, the most allowed at once`,
          mine,
        );
      }
      if (this.pending >= this.options.maxPending) this.refuse('The server has as many key-file operations waiting as it takes', this.pending);
      const waiting = this.pending - this.running;
      if (this.options.maxWaitMs !== undefined && (this.averageMs * (waiting + 1)) / this.options.concurrency > this.options.maxWaitMs) {
        this.refuse('The key-file workers are busy for longer than a request may wait', waiting + 1);
      }
    } catch (error) {
      return Promise.reject(asError(error));
    }
    this.pendingByTenant.set(tenantId, mine + 1);
    this.pending += 1;
    return new Promise<T>((resolve, reject) => {
      const queue = this.waiting.get(tenantId);
      const job: Waiting = { start, resolve: resolve as (value: unknown) => void, reject };
      if (queue) queue.push(job);
      else this.waiting.set(tenantId, [job]);
      this.pump();
    });
  }

  /** Refuses what waits; running jobs finish on their own. */
  close(): void {
    this.closed = true;
    for (const queue of this.waiting.values())
      for (const job of queue) job.reject(new KeywardError('INTERNAL', 'The key-file workers are shut down.'));
    this.waiting.clear();
  }

  private refuse(why: string, ahead: number): never {
    const waitMs = Math.max(1_000, Math.ceil((this.averageMs * Math.max(1, ahead)) / this.options.concurrency));
    const retryAfter = new Date(this.options.now().getTime() + waitMs);
    return fail('RATE_LIMITED', `${why}; retry in about ${Math.ceil(waitMs / 1000)} s.`, retryAfter);
  }

  private pump(): void {
    while (this.running < this.options.concurrency) {
      const next = this.waiting.entries().next();
      if (next.done) return;
      const [tenantId, queue] = next.value;
      const job = queue.shift()!;
      // The tenant goes to the back of the turn order, or out of it when it has nothing left.
      this.waiting.delete(tenantId);
      if (queue.length > 0) this.waiting.set(tenantId, queue);
      this.run(tenantId, job);
    }
  }

  private run(tenantId: string, job: Waiting): void {
    this.running += 1;
    const started = performance.now();
    let result: Promise<unknown>;
    try {
      result = job.start();
    } catch (error) {
      result = Promise.reject(asError(error));
    }
    void result.then(job.resolve, job.reject).finally(() => {
      // Smoothed, so one odd job (a 1-iteration test file, a crafted 2 s one) moves it little.
      this.averageMs = 0.8 * this.averageMs + 0.2 * (performance.now() - started);
      this.running -= 1;
      this.pending -= 1;
      const left = this.pendingOf(tenantId) - 1;
      if (left > 0) this.pendingByTenant.set(tenantId, left);
      else this.pendingByTenant.delete(tenantId);
      this.pump();
    });
  }
}

const asError = (error: unknown): Error => (error instanceof Error ? error : new Error(String(error)));
