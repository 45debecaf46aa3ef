import { describe, expect, it } from 'vitest';
import { challengeCode, challengeExpiresAt, challengeName, challengeText, challengeWindow, normaliseTyped } from './lock-challenge.js';

describe('lock challenge text', () => {
  const facts = { tenantName: 'Contoso', region: 'eu', environments: 3, keys: 1, keyShort: '1a2b3c4d', code: 'K7M2QX' };

  it('says what the lock destroys, names the key, and carries the window code', () => {
    expect(challengeText(facts)).toBe('LOCK Contoso eu: 3 environments offline, 1 key destroyed, key 1a2b3c4d, code K7M2QX');
    expect(challengeText({ ...facts, environments: 1, keys: 2 })).toContain('1 environment offline, 2 keys destroyed');
  });

  it('drops bidi overrides, zero-width and control characters from names, and compares in NFC', () => {
    const sneaky = 'Con\u202etoso\u200b\u0007 \u00a0 Ltd';
    expect(challengeName(sneaky)).toBe('Contoso Ltd');
    const decomposed = 'Cafe\u0301';
    expect(normaliseTyped(challengeText({ ...facts, tenantName: decomposed }))).toBe(challengeText({ ...facts, tenantName: 'Caf\u00e9' }));
    expect(normaliseTyped('  LOCK\u200d  Contoso\teu ')).toBe('LOCK Contoso eu');
  });

  it('changes code every ten minutes and expires one window later', () => {
    const at = new Date('2026-12-01T10:04:59.000Z');
    const w = challengeWindow(at);
    expect(challengeWindow(new Date('2026-12-01T10:09:59.999Z'))).toBe(w);
    expect(challengeWindow(new Date('2026-12-01T10:10:00.000Z'))).toBe(w + 1);
    expect(challengeExpiresAt(w).toISOString()).toBe('2026-12-01T10:20:00.000Z');
    const code = challengeCode(Buffer.from([0, 1, 2, 3, 4, 5, 6, 7]));
    expect(code).toMatch(/^[2-9A-HJKMNP-TV-Z]{6}$/);
  });
});
