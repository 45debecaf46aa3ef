import type { AppDeps } from '../app/deps.js';
import { purgeLockedEnvironments } from '../app/backups/purge-locked-environments.js';

export interface PurgeSchedulerOptions {
  deps: Pick<AppDeps, 'store' | 'dataPlane' | 'clock' | 'kick'>;
  /**
   * Real time between checks. Short on purpose: what is checked is the app clock (the dev
   * clock when enabled), which can jump 28 days in one request; a check costs one indexed count
   * per tenant when nothing is locked.
   */
  intervalMs?: number;
  log?: (event: object) => void;
}

/**
 * R14's 28-day purge, on every instance: every `intervalMs` it asks whether the app clock has
 * passed lockedAt + 28 days for any locked environment, and purges those (the use case's
 * compare-and-set makes each purge happen once however many instances check). One check at a
 * time; a failing check (store unreachable) is logged and tried again at the next tick.
 */
export class PurgeScheduler {
  readonly #deps: PurgeSchedulerOptions['deps'];
  readonly #intervalMs: number;
  readonly #log: (event: object) => void;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;

  constructor(opts: PurgeSchedulerOptions) {
    this.#deps = opts.deps;
    this.#intervalMs = opts.intervalMs ?? 2_000;
    this.#log = opts.log ?? (() => undefined);
    if (!(this.#intervalMs > 0)) throw new RangeError('PurgeScheduler needs a positive intervalMs.');
  }

  start(): void {
    if (this.#timer !== undefined) return;
    this.#timer = setInterval(() => void this.check(), this.#intervalMs);
    // Waiting must not keep the process alive; a purge in flight does, by its own I/O.
    this.#timer.unref();
  }

  /** Runs one check now (skipped if one is running); resolves with how many were purged. */
  async check(): Promise<number> {
    if (this.#running !== undefined) return 0;
    let purged = 0;
    this.#running = (async () => {
      try {
        const ids = await purgeLockedEnvironments(this.#deps);
        purged = ids.length;
        if (purged > 0) {
          this.#log({ event: 'environment.purged', environments: ids });
          this.#deps.kick.notifications();
        }
      } catch (error) {
        this.#log({ event: 'environment.purge-check-failed', message: error instanceof Error ? error.message : String(error) });
      }
    })();
    try {
      await this.#running;
    } finally {
      this.#running = undefined;
    }
    return purged;
  }

  /** Stops checking and waits for a check in flight to end. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }
}
