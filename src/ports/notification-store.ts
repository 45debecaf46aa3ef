/**
 * Notifications (R10) are queued in the same unit of work as the change they report, then
 * delivered at least once by a dispatcher; `idempotencyKey` becomes the Message-ID, so a
 * receiver can drop a duplicate.
 */
export interface NotificationDraft {
  idempotencyKey: string;
  tenantId: string;
  to: string[];
  subject: string;
  text: string;
  createdAt: Date;
}

export interface QueuedNotification extends NotificationDraft {
  id: string;
  attempts: number;
  nextAttemptAt: Date;
  sentAt: Date | null;
  lastError: string | null;
}

export interface NotificationRepo {
  /** Queues once per idempotency key (a second enqueue with the same key does nothing). */
  enqueue(draft: NotificationDraft): Promise<void>;
  /** Claims up to `limit` unsent notifications due at `now`, leasing them until `leaseUntil`. */
  claimDue(now: Date, leaseUntil: Date, limit: number): Promise<QueuedNotification[]>;
  markSent(id: string, at: Date): Promise<void>;
  markFailed(id: string, nextAttemptAt: Date, error: string): Promise<void>;
  listByTenant(tenantId: string): Promise<QueuedNotification[]>;
}
