import { describe, expect, it } from 'vitest';
import { BACKOFF_TIMING, backoffDelayMs, beginAttempt, takeBack, type AttemptCounter, type BackoffPolicy } from './password-backoff.js';

const policy: BackoffPolicy = { freeFailures: 3, ...BACKOFF_TIMING };
const t0 = new Date('2026-01-01T00:00:00Z');
const at = (ms: number) => new Date(t0.getTime() + ms);
const fresh: AttemptCounter = { count: 0, lastAt: new Date(0), until: null };

describe('password back-off', () => {
  it('lets a run of free failures through, then doubles the wait up to the cap', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 20, 60].map((n) => backoffDelayMs(n, policy))).toEqual([0, 0, 0, 1_000, 2_000, 4_000, 8_000, 900_000, 900_000]);
  });

  it('refuses until the wait is over, with that time as retryAfter', () => {
    let counter = fresh;
    for (let i = 0; i < 3; i++) {
      const d = beginAttempt(counter, t0, policy);
      if (!d.allowed) throw new Error('refused');
      counter = d.next;
    }
    expect(counter).toEqual({ count: 3, lastAt: t0, until: at(1_000) });
    expect(beginAttempt(counter, at(999), policy)).toEqual({ allowed: false, retryAfter: at(1_000) });
    const next = beginAttempt(counter, at(1_000), policy);
    expect(next).toEqual({ allowed: true, next: { count: 4, lastAt: at(1_000), until: at(3_000) } });
  });

  it('forgets a run after an hour without attempts', () => {
    const old: AttemptCounter = { count: 30, lastAt: t0, until: at(900_000) };
    expect(beginAttempt(old, at(3_600_000), policy)).toEqual({ allowed: true, next: { count: 1, lastAt: at(3_600_000), until: null } });
  });

  it('takes back an attempt that was not a wrong password', () => {
    expect(takeBack({ count: 3, lastAt: t0, until: at(1_000) }, policy)).toEqual({ count: 2, lastAt: t0, until: null });
    expect(takeBack({ count: 5, lastAt: t0, until: at(4_000) }, policy)).toEqual({ count: 4, lastAt: t0, until: at(4_000) });
    expect(takeBack(fresh, policy).count).toBe(0);
  });
});
