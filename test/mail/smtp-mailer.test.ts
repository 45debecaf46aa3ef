import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SmtpMailer } from '../../src/adapters/mail/smtp-mailer.js';
import type { MailMessage } from '../../src/ports/mailer.js';
import { freePort, startSmtpServer, type TestSmtpServer } from './smtp-test-server.js';

const message = (overrides: Partial<MailMessage> = {}): MailMessage => ({
  messageId: 'key.activate.op_123',
  from: 'Keyward <keyward@provider.example>',
  to: ['åsa@contoso.example', 'Ops@Contoso.example'],
  subject: '[Keyward] Contoso — Zürich: tenant key "Prod 東京" activated (region europe)',
  text: 'First line.\n.\nA line that is only a dot, and ünïcödé.\n',
  date: new Date('2024-06-01T12:00:00.000Z'),
  ...overrides,
});

describe('SMTP mailer', () => {
  let smtp: TestSmtpServer;
  let mailer: SmtpMailer;
  beforeAll(async () => {
    smtp = await startSmtpServer();
    mailer = new SmtpMailer(`smtp://127.0.0.1:${smtp.port}`);
  });
  afterAll(async () => {
    mailer?.close();
    await smtp?.close();
  });

  it('delivers to every recipient with the headers and text given', async () => {
    await mailer.send(message());
    const [received] = smtp.received.splice(0);
    expect(received!.mailFrom).toBe('keyward@provider.example');
    // Domains are case-insensitive and nodemailer lower-cases them; local parts are kept.
    expect(received!.rcptTo).toEqual(['åsa@contoso.example', 'Ops@contoso.example']);
    expect(received!.header('message-id')).toBe('<key.activate.op_123@keyward>');
    expect(received!.header('subject')).toBe(message().subject);
    expect(received!.header('from')).toBe('Keyward <keyward@provider.example>');
    expect(new Date(received!.header('date')!).toISOString()).toBe('2024-06-01T12:00:00.000Z');
    expect(received!.text).toBe(message().text);
  });

  it('gives every copy of a message the same Message-ID, a valid one whatever the key holds', async () => {
    const odd = 'key:activate <op 1>@"x"';
    await mailer.send(message({ messageId: odd }));
    await mailer.send(message({ messageId: odd }));
    const ids = smtp.received.splice(0).map((m) => m.header('message-id'));
    expect(ids[0]).toMatch(/^<sha256\.[0-9a-f]{64}@keyward>$/);
    expect(ids[1]).toBe(ids[0]);
  });

  it('fails fast when no server listens, and refuses URLs that are not smtp', async () => {
    const down = new SmtpMailer(`smtp://127.0.0.1:${await freePort()}`);
    const started = Date.now();
    await expect(down.send(message())).rejects.toThrow(/ECONNREFUSED/);
    expect(Date.now() - started).toBeLessThan(5_000);
    down.close();

    expect(() => new SmtpMailer('http://mail.example:25')).toThrow(/smtp:\/\//);
    expect(() => new SmtpMailer('not a url with secret-password')).toThrow(/not a valid URL/);
    expect(() => new SmtpMailer('not a url with secret-password')).not.toThrow(/secret-password/);
  });
});
