import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import MailComposer from 'nodemailer/lib/mail-composer';
import type { MailMessage, Mailer } from '../../ports/mailer.js';
import { composerOptions, outboxFileName } from './compose.js';

/**
 * Without an SMTP server (KEYWARD_SMTP_URL unset) each message becomes an RFC 5322 `.eml` file
 * in `<data dir>/outbox/`, for an operator to read or for another tool to pick up.
 *
 * - The bytes are built by nodemailer's MailComposer, exactly as the SMTP adapter would send them.
 * - A file appears whole or not at all: it is written under a hidden temporary name, flushed,
 *   then renamed (atomic within a directory), so a reader never sees half a message.
 * - The name comes from the idempotency key, so a re-send replaces the file instead of adding
 *   a duplicate.
 * - Files are 0600 and the directory 0700: messages name people, tenants and keys.
 */
export class OutboxMailer implements Mailer {
  readonly dir: string;

  constructor(options: { dataDir: string }) {
    this.dir = join(options.dataDir, 'outbox');
  }

  async send(message: MailMessage): Promise<void> {
    const bytes = await new MailComposer(composerOptions(message)).compile().build();
    await mkdir(this.dir, { recursive: true, mode: 0o700 });

    const target = join(this.dir, outboxFileName(message.messageId));
    // Random, so two instances writing the same message at once do not share a temporary file.
    const temporary = join(this.dir, `.${randomBytes(8).toString('hex')}.tmp`);
    try {
      const file = await open(temporary, 'wx', 0o600);
      try {
        await file.writeFile(bytes);
        await file.sync();
      } finally {
        await file.close();
      }
      await rename(temporary, target);
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
    await this.#syncDirectory();
  }

  /** Makes the rename itself durable, so a message reported sent survives a power cut. */
  async #syncDirectory(): Promise<void> {
    const directory = await open(this.dir, 'r');
    try {
      await directory.sync();
    } finally {
      await directory.close();
    }
  }
}
