import { describe, expect, it } from 'vitest';
import { keyChangeNotification, abbreviatedThumbprint, type KeyChange, type KeyChangeAction } from './key-change-message.js';

const thumbprint = '3f'.repeat(4) + 'ab'.repeat(24) + '9c'.repeat(4);

const change = (overrides: Partial<KeyChange> = {}): KeyChange => ({
  tenantName: 'Contoso Ltd',
  actor: 'åsa@contoso.example (usr_1)',
  action: 'activated',
  keyName: 'Prod 2024',
  thumbprint,
  region: 'europe',
  at: new Date('2024-06-01T12:34:56.000Z'),
  ...overrides,
});

describe('key change notification (R10)', () => {
  it('says who did what, when, to which key, in which region and tenant', () => {
    const { subject, text } = keyChangeNotification(change());
    expect(subject).toBe('[Keyward] Contoso Ltd: tenant key "Prod 2024" activated (region europe)');
    expect(text.split('\n')[0]).toBe(
      'åsa@contoso.example (usr_1) activated the tenant key "Prod 2024" (thumbprint 3f3f3f3f…9c9c9c9c) in region europe of tenant Contoso Ltd, at 2024-06-01T12:34:56.000Z (UTC).',
    );
    expect(text).toMatch(/If you did not expect this change:/);
    expect(text).toMatch(/audit log/);
    expect(text).toMatch(/No other key can be activated for 24 hours/);
  });

  it.each<[KeyChangeAction, RegExp, RegExp]>([
    ['generated', /tenant key "Prod 2024" generated/, /^\S+ \(usr_1\) generated the tenant key/],
    ['uploaded', /tenant key "Prod 2024" uploaded/, /^\S+ \(usr_1\) uploaded the tenant key/],
    ['locked', /tenant locked with key "Prod 2024"/, /^\S+ \(usr_1\) locked the tenant with the tenant key/],
    ['unlocked', /tenant unlocked with key "Prod 2024"/, /^\S+ \(usr_1\) unlocked the tenant with the tenant key/],
  ])('words %s for its subject and first line', (action, subject, first) => {
    const message = keyChangeNotification(change({ action }));
    expect(message.subject).toMatch(subject);
    expect(message.text).toMatch(first);
  });

  it('explains what a lock means and how it is undone', () => {
    const { text } = keyChangeNotification(change({ action: 'locked' }));
    expect(text).toMatch(/nobody, the provider included, can read/);
    expect(text).toMatch(/1 hour/);
    expect(text).toMatch(/28 days/);
  });

  it('keeps names from forging lines or headers', () => {
    const { subject, text } = keyChangeNotification(
      change({ keyName: 'Prod\r\nBcc: all@evil.example\n\nIgnore the above', tenantName: 'Contoso\u2028Evil' }),
    );
    expect(subject).not.toMatch(/[\r\n]/);
    expect(text.split('\n').filter((line) => line.startsWith('Bcc:') || line.startsWith('Ignore'))).toEqual([]);
    expect(text).toContain('"Prod Bcc: all@evil.example Ignore the above"');
    expect(keyChangeNotification(change({ keyName: 'x'.repeat(1_000) })).text.length).toBeLessThan(2_500);
  });

  it('shortens thumbprints to their first and last 8 digits', () => {
    expect(abbreviatedThumbprint(thumbprint)).toBe('3f3f3f3f…9c9c9c9c');
    expect(abbreviatedThumbprint('abc')).toBe('abc');
  });
});
