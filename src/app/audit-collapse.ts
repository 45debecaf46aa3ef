import type { AuditMac } from '../domain/audit-chain.js';
import type { AuditDraft } from '../ports/audit-store.js';
import type { Repos, Store } from '../ports/store.js';
import type { ThrottleCounter } from '../ports/throttle-store.js';

/**
 * Refused attempts stay audited, but a flood of them cannot grow the audit log without bound
 * (SPEC F2). The log is an append-only hash chain, so nothing is ever updated: instead, the
 * first refusal of a kind (same tenant, caller, action and code) is appended as it happens, and
 * its repeats within the next minute are only counted (in the control store, so every instance
 * counts into one number). The count is appended as one entry once that minute is over: at the
 * next such refusal, or when someone reads the log, whichever comes first. So the log grows by at
 * most two entries a minute per caller, action and code, however many requests are refused.
 *
 * A collapsed entry: outcome `refused`, the first repeat's target, detail
 * `<CODE>, repeated N more times from <first> to <last> (collapsed)`.
 */
export const REPEAT_WINDOW_MS = 60_000;

/** What a counter stands for, kept with it so a collapsed entry can be written from it alone. */
interface Repeated {
  actor: string;
  action: string;
  code: string;
  target: string;
}

const scopeOf = (tenantId: string) => `audit-refusals:${tenantId}`;
const keyOf = (d: AuditDraft) => `audit-refusals:${d.tenantId}:${d.action}:${d.detail ?? ''}:${d.actor}`;

/** Appends a refusal, or counts it when it repeats one appended less than a minute ago. */
export async function appendRefusal(store: Store, mac: AuditMac, draft: AuditDraft): Promise<void> {
  await store.transaction(async (tx) => {
    const counter = await tx.throttle.lock(keyOf(draft), scopeOf(draft.tenantId));
    if (counter.until !== null && draft.at.getTime() < counter.until.getTime()) {
      const first = counter.count === 0;
      const note: Repeated = { actor: draft.actor, action: draft.action, code: draft.detail ?? '', target: draft.target };
      await tx.throttle.put({
        ...counter,
        count: counter.count + 1,
        since: first ? draft.at : counter.since,
        lastAt: draft.at,
        note: first ? JSON.stringify(note) : counter.note,
      });
      return;
    }
    if (counter.count > 0) await appendCollapsed(tx, mac, draft.tenantId, counter, draft.at);
    await tx.throttle.put({
      ...counter,
      count: 0,
      since: draft.at,
      lastAt: draft.at,
      until: new Date(draft.at.getTime() + REPEAT_WINDOW_MS),
      note: null,
    });
    await tx.audit.append(draft, mac);
  });
}

/** Appends the count of every window of the tenant that is over: before the log is read. */
export async function flushCollapsedRefusals(store: Store, mac: AuditMac, tenantId: string, now: Date): Promise<void> {
  for (;;) {
    const due = await store.throttle.listDue(scopeOf(tenantId), now, 100);
    for (const stale of due) {
      await store.transaction(async (tx) => {
        const counter = await tx.throttle.lock(stale.key, stale.scope);
        // Another instance (or the next refusal) may have written it meanwhile.
        if (counter.count === 0 || counter.until === null || counter.until.getTime() > now.getTime()) return;
        await appendCollapsed(tx, mac, tenantId, counter, now);
        await tx.throttle.put({ ...counter, count: 0, note: null });
      });
    }
    if (due.length < 100) return;
  }
}

async function appendCollapsed(tx: Repos, mac: AuditMac, tenantId: string, counter: ThrottleCounter, at: Date): Promise<void> {
  const what = JSON.parse(counter.note ?? '{}') as Partial<Repeated>;
  const times = counter.count === 1 ? 'once more' : `${counter.count} more times`;
  await tx.audit.append(
    {
      tenantId,
      at,
      actor: what.actor ?? 'unknown',
      action: what.action ?? 'unknown',
      target: what.target ?? 'unknown',
      outcome: 'refused',
      detail: `${what.code ?? 'REFUSED'}, repeated ${times} from ${counter.since.toISOString()} to ${counter.lastAt.toISOString()} (collapsed)`,
    },
    mac,
  );
}
