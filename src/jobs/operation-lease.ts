import type { Clock } from '../ports/clock.js';
import type { OperationRepo } from '../ports/operation-store.js';

export type OperationLog = (event: object) => void;

/**
 * Keeps the lease on one claimed operation alive while its handler runs, renewing it every
 * third of its length so that one or two slow renewals do not let it lapse.
 *
 * The lease is lost when the store says another runner holds it, or when renewals keep
 * failing until it has run out (another runner may have taken it meanwhile). From then on
 * the holder must not write: `lost` turns true for the handler to see, and it never turns back.
 */
export class OperationLease {
  #until: Date;
  #lost = false;
  #stopped = false;
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly repo: OperationRepo,
    private readonly id: string,
    /** The lease's identity in the store: fresh for every claim. */
    readonly token: string,
    until: Date,
    private readonly clock: Clock,
    private readonly leaseMs: number,
    private readonly log: OperationLog,
  ) {
    this.#until = until;
  }

  get lost(): boolean {
    return this.#lost;
  }

  start(): void {
    this.#schedule();
  }

  /** Stops renewing; the lease then simply runs out unless finished or released first. */
  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  markLost(reason: string): void {
    if (this.#lost) return;
    this.#lost = true;
    this.stop();
    this.log({ event: 'operation.lease-lost', operationId: this.id, lease: this.token, reason });
  }

  #schedule(): void {
    if (this.#stopped) return;
    // One renewal at a time: the next is scheduled only when the previous one has answered.
    this.#timer = setTimeout(() => void this.#renew(), Math.max(1, Math.floor(this.leaseMs / 3)));
    // A lease must never keep the process alive on its own.
    this.#timer.unref();
  }

  async #renew(): Promise<void> {
    const until = new Date(this.clock.now().getTime() + this.leaseMs);
    try {
      const renewed = await this.repo.renewLease(this.id, this.token, until);
      // Stopped meanwhile: the operation was finished or released, which also ends the lease.
      if (this.#stopped) return;
      if (renewed) this.#until = until;
      else this.markLost('taken over');
    } catch (error) {
      if (this.#stopped) return;
      this.log({ event: 'operation.lease-renew-failed', operationId: this.id, lease: this.token, message: messageOf(error) });
      if (this.clock.now().getTime() >= this.#until.getTime()) this.markLost('expired while the store was unreachable');
    }
    this.#schedule();
  }
}

export const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));
