import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { OutboxMailer } from '../../src/adapters/mail/outbox-mailer.js';
import { SmtpMailer } from '../../src/adapters/mail/smtp-mailer.js';
import { openStore } from '../../src/adapters/store/open-store.js';
import { NotificationDispatcher, type NotificationDispatcherOptions } from '../../src/jobs/notification-dispatcher.js';
import type { NotificationDraft } from '../../src/ports/notification-store.js';
import type { Store } from '../../src/ports/store.js';
import { newId } from '../contracts/store-fixtures.js';
import { FakeClock } from '../support/fake-clock.js';
import { freePort, startSmtpServer, type TestSmtpServer } from './smtp-test-server.js';

const dir = mkdtempSync(join(tmpdir(), 'keyward-dispatch-'));
let store: Store;
beforeAll(async () => {
  store = await openStore({ kind: 'sqlite', file: join(dir, 'control.db') });
});
afterAll(async () => {
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function smtpOn(port = 0): Promise<TestSmtpServer> {
  const server = await startSmtpServer(port);
  cleanups.push(() => server.close());
  return server;
}

function smtpMailer(port: number): SmtpMailer {
  const mailer = new SmtpMailer(`smtp://127.0.0.1:${port}`);
  cleanups.push(() => mailer.close());
  return mailer;
}

function dispatcher(opts: Omit<NotificationDispatcherOptions, 'store' | 'from'>): NotificationDispatcher {
  const d = new NotificationDispatcher({ store, from: 'Keyward <keyward@provider.example>', ...opts });
  cleanups.push(() => d.stop());
  return d;
}

let tenantId: string;
beforeEach(async () => {
  tenantId = newId();
  // Every test starts from an empty queue: what earlier tests left is marked sent.
  const end = new Date('9999-01-01T00:00:00.000Z');
  for (const left of await store.notifications.claimDue(end, end, 1_000)) await store.notifications.markSent(left.id, end);
});

async function enqueue(overrides: Partial<NotificationDraft> = {}): Promise<NotificationDraft> {
  const draft: NotificationDraft = {
    idempotencyKey: `key.activate.${newId()}`,
    tenantId,
    to: ['global@contoso.example', 'service@contoso.example'],
    subject: '[Keyward] Contoso: tenant key "Prod" activated (region europe)',
    text: 'ops@contoso.example activated the tenant key "Prod".\n',
    createdAt: new Date('2024-06-01T11:59:00.000Z'),
    ...overrides,
  };
  await store.notifications.enqueue(draft);
  return draft;
}

const queued = async () => (await store.notifications.listByTenant(tenantId))[0]!;

describe('Notification dispatcher', () => {
  it('delivers a queued message to a real SMTP server, once', async () => {
    const smtp = await smtpOn();
    const events: object[] = [];
    const d = dispatcher({ mailer: smtpMailer(smtp.port), clock: new FakeClock(), log: (e) => events.push(e) });
    const draft = await enqueue();
    await store.notifications.enqueue({ ...draft, subject: 'queued twice' });

    expect(await d.drainOnce()).toBe(1);
    expect(await d.drainOnce()).toBe(0);

    expect(smtp.received).toHaveLength(1);
    const [mail] = smtp.received;
    expect(mail!.rcptTo).toEqual(draft.to);
    expect(mail!.mailFrom).toBe('keyward@provider.example');
    expect(mail!.header('subject')).toBe(draft.subject);
    expect(mail!.header('message-id')).toBe(`<${draft.idempotencyKey}@keyward>`);
    expect(mail!.header('date')).toBe('Sat, 01 Jun 2024 11:59:00 +0000');
    expect(mail!.text).toBe(draft.text);
    expect(await queued()).toMatchObject({ attempts: 1, sentAt: new Date('2024-06-01T12:00:00.000Z') });
    expect(events).toEqual([expect.objectContaining({ event: 'notification.sent', tenantId })]);
    // Logs name messages, not people.
    expect(JSON.stringify(events)).not.toContain('@contoso.example');
  });

  it('retries with exponential backoff while SMTP is down, capped, and delivers once it is up', async () => {
    const port = await freePort();
    const clock = new FakeClock();
    const d = dispatcher({ mailer: smtpMailer(port), clock });
    await enqueue();

    const delays: number[] = [];
    for (let attempt = 1; attempt <= 11; attempt += 1) {
      expect(await d.drainOnce()).toBe(0);
      const message = await queued();
      expect(message.attempts).toBe(attempt);
      expect(message.lastError).toMatch(/ECONNREFUSED/);
      const delay = message.nextAttemptAt.getTime() - clock.now().getTime();
      delays.push(delay);
      // Not due before the backoff has passed: a pass just before it tries nothing.
      clock.advance(delay - 1);
      expect(await d.drainOnce()).toBe(0);
      expect((await queued()).attempts).toBe(attempt);
      clock.advance(1);
    }
    expect(delays).toEqual([1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300].map((s) => s * 1_000));

    const smtp = await smtpOn(port);
    expect(await d.drainOnce()).toBe(1);
    expect(await d.drainOnce()).toBe(0);
    clock.advance(3_600_000);
    expect(await d.drainOnce()).toBe(0);
    expect(smtp.received).toHaveLength(1);
    expect(await queued()).toMatchObject({ attempts: 12, lastError: null });
  });

  it('stops a pass at the first failed send, leaving the rest of the queue untouched', async () => {
    const d = dispatcher({ mailer: smtpMailer(await freePort()), clock: new FakeClock() });
    for (let i = 0; i < 3; i += 1) await enqueue();
    expect(await d.drainOnce()).toBe(0);
    const attempts = (await store.notifications.listByTenant(tenantId)).map((m) => m.attempts);
    expect(attempts.sort()).toEqual([0, 0, 1]);
  });

  it('never throws into its caller when the store fails', async () => {
    const events: object[] = [];
    const broken = {
      notifications: { claimDue: () => Promise.reject(new Error('connection lost')) },
    } as unknown as Store;
    const d = new NotificationDispatcher({
      store: broken,
      mailer: new OutboxMailer({ dataDir: dir }),
      from: 'k@p.example',
      clock: new FakeClock(),
      log: (e) => events.push(e),
    });
    expect(await d.drainOnce()).toBe(0);
    expect(events).toEqual([{ event: 'notification.claim-failed', error: 'connection lost' }]);
  });

  it('sends soon after a kick once started, on real timers, and stops cleanly', async () => {
    const smtp = await smtpOn();
    const d = dispatcher({ mailer: smtpMailer(smtp.port), clock: { now: () => new Date() }, pollMs: 3_600_000 });
    const first = await enqueue();
    d.start();
    await vi.waitFor(() => expect(smtp.received).toHaveLength(1), { timeout: 5_000 });

    const second = await enqueue();
    d.kick();
    await vi.waitFor(() => expect(smtp.received).toHaveLength(2), { timeout: 5_000 });
    expect(smtp.received.map((m) => m.header('message-id'))).toEqual([`<${first.idempotencyKey}@keyward>`, `<${second.idempotencyKey}@keyward>`]);

    await d.stop();
    await enqueue();
    d.kick();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(smtp.received).toHaveLength(2);
  });

  it('writes to the outbox when no SMTP server is configured', async () => {
    const outbox = new OutboxMailer({ dataDir: join(dir, 'data') });
    const d = dispatcher({ mailer: outbox, clock: new FakeClock() });
    const draft = await enqueue();
    expect(await d.drainOnce()).toBe(1);
    expect(readdirSync(outbox.dir)).toEqual([
      expect.stringMatching(new RegExp(`^${draft.idempotencyKey.replace(/\./g, '\\.')}-[0-9a-f]{16}\\.eml$`)),
    ]);
  });
});
