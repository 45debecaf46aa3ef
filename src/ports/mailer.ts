/**
 * Sends one e-mail. Delivery is at least once: the dispatcher may call `send` again for a
 * message that was in fact delivered (a crash between send and bookkeeping), so adapters give
 * every copy the same Message-ID, derived from `messageId`, for receivers to drop duplicates.
 */
export interface MailMessage {
  /** The notification's idempotency key; the Message-ID header is `<messageId@keyward>` (made safe). */
  messageId: string;
  from: string;
  to: string[];
  subject: string;
  text: string;
  date: Date;
}

export interface Mailer {
  /** Resolves once the message is handed over (to the SMTP server, or to disk); rejects otherwise. */
  send(message: MailMessage): Promise<void>;
}
