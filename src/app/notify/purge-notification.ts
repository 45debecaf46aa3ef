import type { Repos } from '../../ports/store.js';
import { keyChangeRecipients } from './key-change-recipients.js';
import { purgeNotification, type PurgeNotice } from './purge-message.js';

/**
 * Queues the purge e-mail inside the purge's unit of work, to every global and service admin
 * (the same people who were told of the lock), once per environment: the idempotency key is
 * the environment's id, so a purge recorded twice still sends one message.
 * Returns false when the tenant has no administrator to tell.
 */
export async function queuePurgeNotification(tx: Pick<Repos, 'users' | 'notifications'>, tenantId: string, notice: PurgeNotice): Promise<boolean> {
  const to = await keyChangeRecipients(tx.users, tenantId);
  if (to.length === 0) return false;
  const { subject, text } = purgeNotification(notice);
  await tx.notifications.enqueue({
    idempotencyKey: `environment.purge:${notice.environmentId}`,
    tenantId,
    to,
    subject,
    text,
    createdAt: notice.purgedAt,
  });
  return true;
}
