import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { OutboxMailer } from '../../src/adapters/mail/outbox-mailer.js';
import type { MailMessage } from '../../src/ports/mailer.js';
import { parseEml } from './parse-eml.js';

const dataDir = mkdtempSync(join(tmpdir(), 'keyward-outbox-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const message = (overrides: Partial<MailMessage> = {}): MailMessage => ({
  messageId: 'key.generate.key_1',
  from: 'keyward@provider.example',
  to: ['a@contoso.example', 'b@contoso.example'],
  subject: '[Keyward] Contoso: tenant key "Prod — 東京" generated (region europe)',
  text: 'Somebody generated a key.\nIf you did not expect this change: …\n',
  date: new Date('2024-06-01T12:00:00.000Z'),
  ...overrides,
});

describe('Outbox mailer', () => {
  const mailer = new OutboxMailer({ dataDir });
  const files = () => readdirSync(mailer.dir);

  it('writes each message as a private, parseable .eml file in <data dir>/outbox', async () => {
    await mailer.send(message());
    expect(mailer.dir).toBe(join(dataDir, 'outbox'));
    expect(statSync(mailer.dir).mode & 0o777).toBe(0o700);
    const [name] = files();
    expect(name).toMatch(/^key\.generate\.key_1-[0-9a-f]{16}\.eml$/);
    const path = join(mailer.dir, name!);
    expect(statSync(path).mode & 0o777).toBe(0o600);

    const parsed = parseEml(readFileSync(path, 'utf8'));
    expect(parsed.header('message-id')).toBe('<key.generate.key_1@keyward>');
    expect(parsed.header('to')).toBe('a@contoso.example, b@contoso.example');
    expect(parsed.header('from')).toBe('keyward@provider.example');
    expect(parsed.header('subject')).toBe(message().subject);
    expect(parsed.header('mime-version')).toBe('1.0');
    expect(new Date(parsed.header('date')!).toISOString()).toBe('2024-06-01T12:00:00.000Z');
    expect(parsed.text).toBe(message().text);
  });

  it('replaces the file on a re-send instead of adding a duplicate, and leaves no temporary file', async () => {
    const before = files();
    await mailer.send(message());
    await Promise.all([mailer.send(message()), mailer.send(message())]);
    expect(files()).toEqual(before);
    expect(readdirSync(mailer.dir, { withFileTypes: true }).filter((f) => f.name.startsWith('.'))).toEqual([]);
  });

  it('keeps every key inside the outbox under its own name', async () => {
    await mailer.send(message({ messageId: '../../etc/passwd' }));
    await mailer.send(message({ messageId: '..//etc/passwd' }));
    await mailer.send(message({ messageId: '' }));
    const names = files();
    expect(names).toHaveLength(4);
    for (const name of names) expect(name).toMatch(/^[A-Za-z0-9][A-Za-z0-9._-]*-[0-9a-f]{16}\.eml$/);
  });
});
