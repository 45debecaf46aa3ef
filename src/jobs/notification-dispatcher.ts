import type { Clock } from '../ports/clock.js';
import type { Mailer } from '../ports/mailer.js';
import type { QueuedNotification } from '../ports/notification-store.js';
import type { Store } from '../ports/store.js';
import { PollingLoop } from './polling-loop.js';

export interface NotificationDispatcherOptions {
  store: Store;
  mailer: Mailer;
  /** The From address of every message (KEYWARD_MAIL_FROM). */
  from: string;
  /** Real time: leases and backoff are compared across instances, never with the dev clock. */
  clock: Clock;
  /** How often to look for due messages when nobody kicks (default 5 s). */
  pollMs?: number;
  log?: (event: object) => void;
  /** How long a claimed message is ours; far longer than a send can take (default 2 min). */
  leaseMs?: number;
  /** Retry delays double from `initialMs` up to `maxMs` (default 1 s → 5 min). */
  backoff?: { initialMs: number; maxMs: number };
  /** At most this many messages per pass, so one pass never runs unbounded (default 100). */
  maxPerPass?: number;
}

const DEFAULTS = {
  pollMs: 5_000,
  leaseMs: 120_000,
  backoff: { initialMs: 1_000, maxMs: 300_000 },
  maxPerPass: 100,
};

/**
 * Delivers queued notifications (R10), at least once.
 *
 * Use cases only enqueue, inside their unit of work; this runs beside them and never throws
 * into anyone: a mail server that is down delays messages, it never fails or slows down the key
 * operation that queued them. Each message is claimed with a lease before it is sent, so two
 * dispatchers (two server instances) do not send one message at the same time; a dispatcher
 * that dies mid-send leaves a lease that runs out, and the message is sent again, with the same
 * Message-ID so receivers can drop the copy.
 *
 * Messages are claimed one at a time, and a pass stops at the first failed send: when the mail
 * server is down, one failed connection per pass is enough to learn it, and the rest of the
 * queue keeps its place instead of collecting failed attempts.
 */
export class NotificationDispatcher {
  readonly #store: Store;
  readonly #mailer: Mailer;
  readonly #from: string;
  readonly #clock: Clock;
  readonly #log: (event: object) => void;
  readonly #leaseMs: number;
  readonly #backoff: { initialMs: number; maxMs: number };
  readonly #maxPerPass: number;

  #stopped = false;
  readonly #loop: PollingLoop;

  constructor(opts: NotificationDispatcherOptions) {
    this.#store = opts.store;
    this.#mailer = opts.mailer;
    this.#from = opts.from;
    this.#clock = opts.clock;
    this.#log = opts.log ?? (() => undefined);
    this.#leaseMs = opts.leaseMs ?? DEFAULTS.leaseMs;
    this.#backoff = opts.backoff ?? DEFAULTS.backoff;
    this.#maxPerPass = opts.maxPerPass ?? DEFAULTS.maxPerPass;
    this.#loop = new PollingLoop({
      name: 'notification',
      intervalMs: opts.pollMs ?? DEFAULTS.pollMs,
      pass: async () => void (await this.drainOnce()),
      log: this.#log,
    });
  }

  /** Starts polling, with a first pass right away (messages queued before a restart go out). */
  start(): void {
    if (this.#stopped) return;
    this.#loop.start();
  }

  /** Asks for a pass soon, e.g. after a use case committed a message. Never waits, never throws. */
  kick(): void {
    this.#loop.kick();
  }

  /** Stops polling and waits for the pass in progress (it ends after its current message). */
  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#loop.stop();
  }

  /**
   * One pass: sends every due message (up to `maxPerPass`) until the queue is empty or a send
   * fails. Returns how many were sent. Never rejects: failures are logged and retried later.
   * After stop() it sends nothing: a stopping server must not start new sends.
   */
  async drainOnce(): Promise<number> {
    let sent = 0;
    while (sent < this.#maxPerPass && !this.#stopped) {
      const message = await this.#claimOne();
      if (message === undefined) break;
      if (!(await this.#deliver(message))) break;
      sent += 1;
    }
    return sent;
  }

  async #claimOne(): Promise<QueuedNotification | undefined> {
    const now = this.#clock.now();
    try {
      const [message] = await this.#store.notifications.claimDue(now, new Date(now.getTime() + this.#leaseMs), 1);
      return message;
    } catch (error) {
      this.#log({ event: 'notification.claim-failed', error: describe(error) });
      return undefined;
    }
  }

  /** Sends one claimed message and records the outcome; true when it was handed over. */
  async #deliver(message: QueuedNotification): Promise<boolean> {
    const ids = { notificationId: message.id, tenantId: message.tenantId, attempt: message.attempts };
    try {
      await this.#mailer.send({
        messageId: message.idempotencyKey,
        from: this.#from,
        to: message.to,
        subject: message.subject,
        text: message.text,
        // The time of the change, not of this attempt: every copy of a message is the same message.
        date: message.createdAt,
      });
    } catch (error) {
      const retryAt = new Date(this.#clock.now().getTime() + this.#delayAfter(message.attempts));
      this.#log({ event: 'notification.send-failed', ...ids, retryAt: retryAt.toISOString(), error: describe(error) });
      await this.#record(ids, () => this.#store.notifications.markFailed(message.id, retryAt, describe(error)));
      return false;
    }
    this.#log({ event: 'notification.sent', ...ids });
    // If this fails the message stays leased, and is sent once more when the lease runs out.
    await this.#record(ids, () => this.#store.notifications.markSent(message.id, this.#clock.now()));
    return true;
  }

  /** Exponential: 1 s after the first failed attempt, doubling, never more than the cap. */
  #delayAfter(attempts: number): number {
    const { initialMs, maxMs } = this.#backoff;
    const doublings = Math.min(Math.max(attempts - 1, 0), 30);
    return Math.min(initialMs * 2 ** doublings, maxMs);
  }

  async #record(ids: object, write: () => Promise<void>): Promise<void> {
    try {
      await write();
    } catch (error) {
      this.#log({ event: 'notification.record-failed', ...ids, error: describe(error) });
    }
  }
}

/** Error text for logs and last_error: message and code only, never a stack or the message itself. */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && !error.message.includes(code) ? `${code}: ${error.message}` : error.message;
}
