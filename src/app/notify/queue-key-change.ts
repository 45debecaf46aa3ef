import type { Repos } from '../../ports/store.js';
import { keyChangeNotification, type KeyChange } from './key-change-message.js';
import { keyChangeRecipients } from './key-change-recipients.js';

/**
 * What a key use case calls inside its unit of work (R10): composes the message, finds the
 * recipients and queues it, so it commits with the change or not at all. Delivery is the
 * dispatcher's job; nothing here waits for a mail server.
 *
 * `idempotencyKey` must be the same every time the same change is recorded (e.g. derived from
 * the operation or key id and the action), so a retried use case queues one message.
 * Returns false when the tenant has no administrator to tell.
 */
export async function queueKeyChangeNotification(
  tx: Pick<Repos, 'users' | 'notifications' | 'audit'>,
  change: KeyChange & { tenantId: string; idempotencyKey: string },
): Promise<boolean> {
  const to = await keyChangeRecipients(tx.users, change.tenantId);
  if (to.length === 0) return false;
  // Queued after the change's audit entry, in its unit of work: the head names that entry.
  const auditHead = await tx.audit.head(change.tenantId);
  const { subject, text } = keyChangeNotification({ ...change, ...(auditHead ? { auditHead } : {}) });
  await tx.notifications.enqueue({
    idempotencyKey: change.idempotencyKey,
    tenantId: change.tenantId,
    to,
    subject,
    text,
    createdAt: change.at,
  });
  return true;
}
