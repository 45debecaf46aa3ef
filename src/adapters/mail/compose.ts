import { createHash } from 'node:crypto';
import type { MailComposerOptions } from 'nodemailer';
import type { MailMessage } from '../../ports/mailer.js';

/**
 * What both mail adapters share: the message as nodemailer takes it, and the names derived
 * from the idempotency key. Deriving them (instead of letting nodemailer pick a random
 * Message-ID) is what makes a re-send recognisable as the same message, by a receiver
 * (Message-ID) or on disk (file name).
 */

/** RFC 5322 dot-atom: what may stand left of the @ of a Message-ID without quoting. */
const DOT_ATOM = /^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~]+(\.[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~]+)*$/;
const MAX_ID_LEFT = 200;

const sha256Hex = (value: string): string => createHash('sha256').update(value, 'utf8').digest('hex');

/**
 * `<key@keyward>` when the key is a valid dot-atom, as readable as it can be; otherwise a hash of
 * the key, so that every key still maps to one valid, stable Message-ID.
 */
export function messageIdFor(idempotencyKey: string): string {
  const left = DOT_ATOM.test(idempotencyKey) && idempotencyKey.length <= MAX_ID_LEFT ? idempotencyKey : `sha256.${sha256Hex(idempotencyKey)}`;
  return `<${left}@keyward>`;
}

/**
 * A file name that is safe on every file system and never hidden or a path: the key's safe
 * characters (for people browsing the outbox) plus a hash of the whole key (so keys that only
 * differ in unsafe characters do not share a file).
 */
export function outboxFileName(idempotencyKey: string): string {
  const readable = idempotencyKey
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .replace(/^[._-]+/, '')
    .slice(0, 80);
  const digest = sha256Hex(idempotencyKey).slice(0, 16);
  return `${readable === '' ? 'message' : readable}-${digest}.eml`;
}

export function composerOptions(message: MailMessage): MailComposerOptions {
  return {
    from: message.from,
    to: message.to,
    subject: message.subject,
    text: message.text,
    date: message.date,
    messageId: messageIdFor(message.messageId),
  };
}
