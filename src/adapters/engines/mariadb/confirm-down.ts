import type { Clock } from '../../../ports/clock.js';
import type { TcpReachability } from './tcp-reachability.js';

export interface ConfirmDownOptions {
  clock: Clock;
  delay: (ms: number) => Promise<void>;
  /** One connection attempt to the engine's port. */
  reach: () => Promise<TcpReachability>;
  /** Counted from here: the deadline includes the SHUTDOWN that preceded. */
  startedAt: Date;
  deadlineMs: number;
  pollIntervalMs: number;
  refusalsToConfirm: number;
}

/**
 * Waits until the engine is confirmed down: `refusalsToConfirm` consecutive attempts refused.
 * Anything else resets the count, a silence (timeout, no route) included, because a partition
 * must never pass for a stopped engine. At the deadline: `still-up` when the port last accepted,
 * `unreachable` when it last said nothing.
 */
export async function confirmDown(options: ConfirmDownOptions): Promise<'down' | 'still-up' | 'unreachable'> {
  let refusals = 0;
  for (;;) {
    const last = await options.reach();
    refusals = last === 'refused' ? refusals + 1 : 0;
    if (refusals >= options.refusalsToConfirm) return 'down';
    if (options.clock.now().getTime() - options.startedAt.getTime() >= options.deadlineMs) return last === 'silent' ? 'unreachable' : 'still-up';
    await options.delay(options.pollIntervalMs);
  }
}
