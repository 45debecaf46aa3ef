/**
 * How wrong .pfx passwords are limited (SPEC F2), as pure rules over a counter: a run of
 * failures may be `freeFailures` long; from then on each attempt must wait twice as long as the
 * one before (1 s, 2 s, 4 s… up to `maxDelayMs`), and a run is forgotten after `forgetAfterMs`
 * without an attempt. An attempt counts as failed from the moment it starts and is taken back
 * when it turns out not to be a wrong password, so attempts running at the same time (on any
 * instance) cannot all slip through before the first failure is recorded.
 */
export interface BackoffPolicy {
  freeFailures: number;
  firstDelayMs: number;
  maxDelayMs: number;
  forgetAfterMs: number;
}

export const BACKOFF_TIMING = { firstDelayMs: 1_000, maxDelayMs: 15 * 60_000, forgetAfterMs: 60 * 60_000 } as const;

export interface AttemptCounter {
  count: number;
  lastAt: Date;
  until: Date | null;
}

/** How long the next attempt must wait after `failures` counted failures. */
export function backoffDelayMs(failures: number, policy: BackoffPolicy): number {
  if (failures < policy.freeFailures) return 0;
  const doublings = Math.min(failures - policy.freeFailures, 40);
  return Math.min(policy.maxDelayMs, policy.firstDelayMs * 2 ** doublings);
}

export type AttemptDecision = { allowed: true; next: AttemptCounter } | { allowed: false; retryAfter: Date };

/** At the start of an attempt: refused while backing off; otherwise counted (as a failure, for now). */
export function beginAttempt(counter: AttemptCounter, now: Date, policy: BackoffPolicy): AttemptDecision {
  if (counter.until !== null && now.getTime() < counter.until.getTime()) return { allowed: false, retryAfter: counter.until };
  const forgotten = now.getTime() - counter.lastAt.getTime() >= policy.forgetAfterMs;
  const count = (forgotten ? 0 : counter.count) + 1;
  const delay = backoffDelayMs(count, policy);
  return { allowed: true, next: { count, lastAt: now, until: delay === 0 ? null : new Date(now.getTime() + delay) } };
}

/**
 * An attempt that was not a wrong password is taken back: one failure fewer, and no wait if the
 * run is free again. (The caller's own counter starts over instead: they know the password.)
 */
export function takeBack(counter: AttemptCounter, policy: BackoffPolicy): AttemptCounter {
  const count = Math.max(0, counter.count - 1);
  return { ...counter, count, until: backoffDelayMs(count, policy) === 0 ? null : counter.until };
}
