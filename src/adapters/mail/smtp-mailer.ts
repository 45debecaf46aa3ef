import nodemailer from 'nodemailer';
import type { MailMessage, Mailer } from '../../ports/mailer.js';
import { composerOptions } from './compose.js';

/**
 * Short timeouts: a dispatcher waits on each send, and a mail server that hangs must turn into
 * a failed attempt (retried with backoff) well before the message's lease runs out, not into a
 * dispatcher stuck for nodemailer's default minutes.
 */
const TIMEOUTS = {
  connectionTimeout: 5_000,
  greetingTimeout: 5_000,
  socketTimeout: 15_000,
  dnsTimeout: 5_000,
} as const;

/**
 * Sends through an SMTP server given as `smtp://host:port` (or `smtps://`; credentials may be
 * in the URL). With `smtp://` nodemailer upgrades to TLS when the server offers STARTTLS.
 * One connection per message: notifications are rare, so a pool would only hold idle sockets.
 */
export class SmtpMailer implements Mailer {
  readonly #transport: ReturnType<typeof nodemailer.createTransport>;

  constructor(url: string) {
    let protocol: string;
    try {
      protocol = new URL(url).protocol;
    } catch {
      // Not echoed: the URL may carry a password.
      throw new Error('The SMTP URL is not a valid URL (expected smtp://host:port).');
    }
    if (protocol !== 'smtp:' && protocol !== 'smtps:') {
      throw new Error(`The SMTP URL must start with smtp:// or smtps://, not ${protocol}//.`);
    }
    this.#transport = nodemailer.createTransport({ url, ...TIMEOUTS });
  }

  async send(message: MailMessage): Promise<void> {
    // nodemailer rejects when the server refuses the message or every recipient. Some recipients
    // refused (a mistyped address) still counts as sent: sending again would not reach them
    // either, and would repeat the message to everyone who did receive it.
    await this.#transport.sendMail(composerOptions(message));
  }

  close(): void {
    this.#transport.close();
  }
}
