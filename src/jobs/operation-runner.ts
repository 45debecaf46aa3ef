import { OPERATION_TYPES, type OperationType } from '../domain/operation.js';
import type { Clock } from '../ports/clock.js';
import type { Store } from '../ports/store.js';
import { executeOperation, type ExecutionDeps, type HeldClaim } from './operation-execution.js';
import type { GiveUpHandlers, OperationHandlers } from './operation-handler.js';
import { PollingLoop } from './polling-loop.js';

export type { GiveUpHandlers, OperationContext, OperationHandler, OperationHandlers } from './operation-handler.js';

export interface OperationRunnerOptions {
  store: Store;
  /**
   * The handlers to run. Production passes the app's full registry (app/operation-handlers.ts);
   * a runner given fewer leaves the other types for another runner that has them.
   */
  handlers: Partial<OperationHandlers>;
  /** Real time, for leases and retry backoff: never the dev clock, or advancing it would expire every lease. */
  leaseClock: Clock;
  /** The app clock (the dev clock when enabled), for `finishedAt` as clients see it. */
  finishClock: Clock;
  /** Unique per runner instance and process (e.g. host, pid and a random id). */
  owner: string;
  /** How long a claim holds without renewal: how soon a crashed instance's work is taken over. */
  leaseMs?: number;
  /** How often an idle runner looks for work it was not kicked for (e.g. queued by another instance). */
  pollMs?: number;
  /** How many operations this runner runs at once. */
  concurrency?: number;
  /** Claims (runs started) after which an operation that keeps failing is failed for good. */
  maxAttempts?: number;
  log?: (event: object) => void;
  /** Clean-ups of operations given up (an activation's key goes Failed, not Installing for ever). */
  onGiveUp?: GiveUpHandlers;
}

/**
 * Runs long operations durably (SPEC "Long operations"). Each operation is claimed with a
 * lease in the store, so across any number of runners and server instances exactly one runs
 * it at a time; one whose runner died is taken over when the lease runs out, and because
 * handlers are idempotent, running it again finishes the work without applying it twice.
 */
export class OperationRunner {
  readonly #store: Store;
  readonly #handlers: Partial<OperationHandlers>;
  readonly #types: OperationType[];
  readonly #owner: string;
  readonly #concurrency: number;
  readonly #deps: ExecutionDeps;
  readonly #loop: PollingLoop;

  #started = false;
  #claims = 0;
  readonly #inFlight = new Set<Promise<void>>();

  constructor(opts: OperationRunnerOptions) {
    const leaseMs = opts.leaseMs ?? 30_000;
    this.#store = opts.store;
    this.#handlers = opts.handlers;
    this.#types = OPERATION_TYPES.filter((type) => opts.handlers[type] !== undefined);
    this.#owner = opts.owner;
    this.#concurrency = opts.concurrency ?? 4;
    if (!(leaseMs > 0) || !Number.isInteger(this.#concurrency) || this.#concurrency < 1) {
      throw new RangeError('OperationRunner needs a positive leaseMs and a concurrency of at least 1.');
    }
    const log = opts.log ?? (() => undefined);
    this.#deps = {
      repo: opts.store.operations,
      leaseClock: opts.leaseClock,
      finishClock: opts.finishClock,
      leaseMs,
      maxAttempts: opts.maxAttempts ?? 10,
      log,
      onGiveUp: opts.onGiveUp ?? {},
    };
    // A store that cannot be reached fails the pass: logged, tried again at the next poll.
    this.#loop = new PollingLoop({ name: 'operation', intervalMs: opts.pollMs ?? 1_000, pass: () => this.#fill(), log });
  }

  /** Starts polling; operations queued meanwhile (also by a crashed run) are picked up. */
  start(): void {
    this.#started = true;
    this.#loop.start();
  }

  /** Looks for work now rather than at the next poll, e.g. right after a use case queued one. */
  kick(): void {
    this.#loop.kick();
  }

  /** Stops claiming and waits for the operations in flight to end. */
  async stop(): Promise<void> {
    this.#started = false;
    await this.#loop.stop();
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
  }

  /**
   * For tests and tools: claims and runs, `concurrency` at a time, until nothing is claimable
   * now (an operation waiting out a retry backoff is not). A store failure rejects.
   */
  async runUntilIdle(): Promise<void> {
    const worker = async (): Promise<void> => {
      for (let claim = await this.#claim(); claim !== undefined; claim = await this.#claim()) {
        await this.#run(claim);
      }
    };
    await Promise.all(Array.from({ length: this.#concurrency }, worker));
  }

  /** Fills free slots with claimed operations; a freed slot kicks the loop to fill it again. */
  async #fill(): Promise<void> {
    while (this.#started && this.#inFlight.size < this.#concurrency) {
      const claim = await this.#claim();
      if (claim === undefined) return;
      void this.#run(claim).then(() => this.kick());
    }
  }

  async #claim(): Promise<HeldClaim | undefined> {
    if (this.#types.length === 0) return undefined;
    // A fresh token per claim: were this runner to claim the same operation again after its
    // own lease ran out, the stale run's writes would still be refused.
    const token = `${this.#owner}#${++this.#claims}`;
    const now = this.#deps.leaseClock.now();
    const leaseUntil = new Date(now.getTime() + this.#deps.leaseMs);
    const claim = await this.#store.operations.claim(token, now, leaseUntil, this.#types);
    return claim && { ...claim, token, leaseUntil };
  }

  #run(claim: HeldClaim): Promise<void> {
    const running = executeOperation(this.#deps, this.#handlers, claim);
    this.#inFlight.add(running);
    void running.finally(() => this.#inFlight.delete(running));
    return running;
  }
}
