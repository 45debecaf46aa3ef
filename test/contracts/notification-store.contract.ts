import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { SmtpMailer } from '../../src/adapters/mail/smtp-mailer.js';
import { NotificationDispatcher } from '../../src/jobs/notification-dispatcher.js';
import type { NotificationDraft, QueuedNotification } from '../../src/ports/notification-store.js';
import type { Store } from '../../src/ports/store.js';
import { startSmtpServer } from '../mail/smtp-test-server.js';
import { codeOf, newId } from './store-fixtures.js';

export interface NotificationStoreTarget {
  /** Opens (and migrates) a new store instance on the suite's database: same data every time. */
  open(): Promise<Store>;
}

const NOW = new Date('2024-06-01T12:00:00.000Z');
const later = (ms: number, from = NOW) => new Date(from.getTime() + ms);
/** Beyond every due time and lease a test sets. */
const END_OF_TIME = new Date('9999-01-01T00:00:00.000Z');

function aDraft(tenantId: string, overrides: Partial<NotificationDraft> = {}): NotificationDraft {
  return {
    idempotencyKey: `key.activate.${newId()}`,
    tenantId,
    to: ['Åsa.Öberg@contoso.example', 'ops@contoso.example'],
    subject: '[Keyward] Contoso: tenant key "Prod 2024" activated (region europe)',
    text: 'Line one.\nLine two — ünïcödé 東京.\n',
    createdAt: new Date('2024-06-01T11:59:00.000Z'),
    ...overrides,
  };
}

/**
 * The contract of the notification queue on every store adapter: one message per idempotency
 * key, due at once, leased by exactly one claimer at a time (across two store instances, as two
 * servers), retried from the time markFailed says, and gone from the queue once sent.
 */
export function notificationStoreContract(target: NotificationStoreTarget): void {
  let store: Store;
  let other: Store;

  beforeAll(async () => {
    store = await target.open();
    other = await target.open();
  });
  afterAll(async () => {
    await store?.close();
    await other?.close();
  });

  // Claims are not per tenant: every test starts from an empty queue, what earlier ones left
  // behind being sent (as far as the queue knows).
  beforeEach(async () => {
    for (;;) {
      const left = await store.notifications.claimDue(END_OF_TIME, END_OF_TIME, 100);
      if (left.length === 0) break;
      for (const message of left) await store.notifications.markSent(message.id, NOW);
    }
  });

  const claimIds = async (via: Store, now: Date, limit = 100) =>
    (await via.notifications.claimDue(now, later(60_000, now), limit)).map((m) => m.idempotencyKey);

  it('queues once per idempotency key, first one kept, and round-trips every field', async () => {
    const tenantId = newId();
    const draft = aDraft(tenantId);
    await store.notifications.enqueue(draft);
    await other.notifications.enqueue({ ...draft, subject: 'second', to: ['x@contoso.example'] });
    await store.notifications.enqueue(draft);

    const queued = await other.notifications.listByTenant(tenantId);
    expect(queued).toEqual([
      { ...draft, id: expect.stringMatching(/^ntf_/), attempts: 0, nextAttemptAt: expect.any(Date), sentAt: null, lastError: null },
    ]);
    expect(queued[0]!.nextAttemptAt.getTime()).toBeLessThanOrEqual(draft.createdAt.getTime());
    expect(await store.notifications.listByTenant(newId())).toEqual([]);
  });

  it('refuses a message without key or recipients', async () => {
    await expect(store.notifications.enqueue(aDraft(newId(), { to: [] }))).rejects.toThrow(RangeError);
    await expect(store.notifications.enqueue(aDraft(newId(), { idempotencyKey: '' }))).rejects.toThrow(RangeError);
  });

  it('is due at once, even when stamped by a clock far ahead of real time', async () => {
    const draft = aDraft(newId(), { createdAt: new Date('2031-01-01T00:00:00.000Z') });
    await store.notifications.enqueue(draft);
    expect(await claimIds(store, NOW)).toEqual([draft.idempotencyKey]);
  });

  it('leases a claimed message until the lease ends, counting attempts', async () => {
    const draft = aDraft(newId());
    await store.notifications.enqueue(draft);
    const [claimed] = await store.notifications.claimDue(NOW, later(60_000), 10);
    expect(claimed).toMatchObject({ idempotencyKey: draft.idempotencyKey, attempts: 1, sentAt: null });
    expect(await claimIds(other, later(59_999))).toEqual([]);
    const [again] = await other.notifications.claimDue(later(60_000), later(120_000), 10);
    expect(again).toMatchObject({ id: claimed!.id, attempts: 2 });
  });

  it('claims in the order messages were queued, at most `limit` at a time', async () => {
    const tenantId = newId();
    const drafts = [3, 1, 2].map((minute) => aDraft(tenantId, { createdAt: new Date(Date.UTC(2024, 5, 1, 11, minute)) }));
    for (const draft of drafts) await store.notifications.enqueue(draft);
    expect(await claimIds(store, NOW, 2)).toEqual([drafts[1]!.idempotencyKey, drafts[2]!.idempotencyKey]);
    expect(await claimIds(store, NOW, 2)).toEqual([drafts[0]!.idempotencyKey]);
    await expect(store.notifications.claimDue(NOW, later(1), 0)).rejects.toThrow(RangeError);
  });

  it('never claims a sent message again, and keeps the first time it was sent', async () => {
    const tenantId = newId();
    await store.notifications.enqueue(aDraft(tenantId));
    const [claimed] = await store.notifications.claimDue(NOW, later(60_000), 10);
    await store.notifications.markSent(claimed!.id, later(1_000));
    await other.notifications.markSent(claimed!.id, later(9_000));
    await store.notifications.markFailed(claimed!.id, later(2_000), 'late failure report');
    expect(await claimIds(store, END_OF_TIME)).toEqual([]);
    expect(await store.notifications.listByTenant(tenantId)).toMatchObject([{ sentAt: later(1_000), lastError: null, attempts: 1 }]);
    expect(await codeOf(store.notifications.markSent('ntf_unknown', NOW))).toBe('NOT_FOUND');
  });

  it('retries a failed message from the time given, whatever its lease said', async () => {
    const tenantId = newId();
    await store.notifications.enqueue(aDraft(tenantId));
    const [claimed] = await store.notifications.claimDue(NOW, later(600_000), 10);
    await store.notifications.markFailed(claimed!.id, later(2_000), `connect ECONNREFUSED ${'x'.repeat(5_000)}`);
    expect(await claimIds(other, later(1_999))).toEqual([]);
    const [queued] = await store.notifications.listByTenant(tenantId);
    expect(queued).toMatchObject({ attempts: 1, nextAttemptAt: later(2_000), sentAt: null });
    expect(queued!.lastError).toMatch(/^connect ECONNREFUSED/);
    expect(queued!.lastError!.length).toBeLessThanOrEqual(1_000);
    expect(await claimIds(other, later(2_000))).toEqual([claimed!.idempotencyKey]);
  });

  it('queues with the unit of work it is part of, and not when that rolls back', async () => {
    const tenantId = newId();
    const kept = aDraft(tenantId);
    await store.transaction((tx) => tx.notifications.enqueue(kept));
    const boom = new Error('boom');
    await expect(
      store.transaction(async (tx) => {
        await tx.notifications.enqueue(aDraft(tenantId));
        throw boom;
      }),
    ).rejects.toBe(boom);
    expect((await store.notifications.listByTenant(tenantId)).map((m) => m.idempotencyKey)).toEqual([kept.idempotencyKey]);
  });

  it('hands each message to exactly one of many concurrent claimers on two instances', async () => {
    const tenantId = newId();
    for (let i = 0; i < 30; i += 1) await store.notifications.enqueue(aDraft(tenantId));
    const claims = await Promise.all(
      Array.from({ length: 12 }, (_, i) => (i % 2 === 0 ? store : other).notifications.claimDue(NOW, later(60_000), 4)),
    );
    const ids = claims.flat().map((m: QueuedNotification) => m.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toHaveLength(30);
  });

  it('lets two dispatchers on two instances drain one queue without sending any message twice', async () => {
    const smtp = await startSmtpServer();
    const mailer = new SmtpMailer(`smtp://127.0.0.1:${smtp.port}`);
    try {
      const tenantId = newId();
      const drafts = Array.from({ length: 20 }, () => aDraft(tenantId, { to: [`admin-${newId()}@contoso.example`] }));
      for (const draft of drafts) await store.notifications.enqueue(draft);
      const dispatcher = (via: Store) =>
        new NotificationDispatcher({ store: via, mailer, from: 'keyward@provider.example', clock: { now: () => NOW } });

      const sent = await Promise.all([dispatcher(store).drainOnce(), dispatcher(other).drainOnce()]);

      expect(sent[0] + sent[1]).toBe(20);
      const messageIds = smtp.received.map((m) => m.header('message-id'));
      expect(new Set(messageIds).size).toBe(20);
      expect(messageIds.sort()).toEqual(drafts.map((d) => `<${d.idempotencyKey}@keyward>`).sort());
      expect((await store.notifications.listByTenant(tenantId)).every((m) => m.sentAt !== null && m.attempts === 1)).toBe(true);
    } finally {
      mailer.close();
      await smtp.close();
    }
  });
}
