import { fail, isKeywardError } from '../domain/errors.js';
import { BACKOFF_TIMING, beginAttempt, takeBack, type BackoffPolicy } from '../domain/password-backoff.js';
import type { Principal } from '../domain/principal.js';
import type { AppDeps } from './deps.js';

/**
 * SPEC F2: password attempts on a key file (upload, lock, unlock) are limited per tenant and per
 * caller, in the control store so the limit holds across every instance. `work` is the attempt
 * (the .pfx read); it runs only if neither counter is backing off, and counts as a failure
 * unless it ends in something other than BAD_PASSWORD, which takes it back. A refusal is
 * RATE_LIMITED with the time the next attempt is possible, and changes no counter.
 */
export async function withPasswordAttempt<T>(deps: AppDeps, actor: Principal, tenantId: string, work: () => Promise<T>): Promise<T> {
  const counters = countersOf(deps, actor, tenantId);
  await deps.store.transaction(async (tx) => {
    const now = deps.clock.now();
    let latest: Date | undefined;
    for (const { key, scope, policy } of counters) {
      const counter = await tx.throttle.lock(key, scope);
      const decision = beginAttempt(counter, now, policy);
      if (!decision.allowed) {
        if (latest === undefined || decision.retryAfter > latest) latest = decision.retryAfter;
        continue;
      }
      await tx.throttle.put({ ...counter, ...decision.next, since: counter.count === 0 ? now : counter.since });
    }
    // Thrown inside the unit of work, so the attempt is counted nowhere when it is refused.
    if (latest !== undefined) {
      fail('RATE_LIMITED', `Too many wrong .pfx passwords in this tenant recently; try again after ${latest.toISOString()}.`, latest);
    }
  });
  try {
    const result = await work();
    await settle(deps, counters, 'opened');
    return result;
  } catch (error) {
    if (!isKeywardError(error) || error.code !== 'BAD_PASSWORD') await settle(deps, counters, 'not a password').catch(() => undefined);
    throw error;
  }
}

interface Counted {
  key: string;
  scope: string;
  policy: BackoffPolicy;
  kind: 'caller' | 'tenant';
}

function countersOf(deps: AppDeps, actor: Principal, tenantId: string): Counted[] {
  const { perCaller, perTenant } = deps.limits.passwordFailures;
  return [
    { key: `pfx-password:tenant:${tenantId}`, scope: tenantId, policy: { freeFailures: perTenant, ...BACKOFF_TIMING }, kind: 'tenant' },
    { key: `pfx-password:caller:${tenantId}:${actor.id}`, scope: tenantId, policy: { freeFailures: perCaller, ...BACKOFF_TIMING }, kind: 'caller' },
  ];
}

/**
 * The attempt was no wrong password: it is taken back. When the password opened the file, the
 * caller's run starts over (they know it); any other ending (a damaged file, a full queue) only
 * gives that one attempt back, so junk files in between cannot reset a run of wrong passwords.
 */
async function settle(deps: AppDeps, counters: Counted[], outcome: 'opened' | 'not a password'): Promise<void> {
  await deps.store.transaction(async (tx) => {
    for (const { key, scope, policy, kind } of counters) {
      if (kind === 'caller' && outcome === 'opened') {
        await tx.throttle.remove(key);
        continue;
      }
      const counter = await tx.throttle.lock(key, scope);
      await tx.throttle.put({ ...counter, ...takeBack(counter, policy) });
    }
  });
}
