import { describe, expect, it } from 'vitest';
import { purgeNotification } from './purge-message.js';

const notice = {
  tenantName: 'Contoso',
  environmentName: 'Payroll',
  environmentId: 'env_0123',
  region: 'eu',
  lockedAt: new Date('2026-01-01T10:00:00Z'),
  purgedAt: new Date('2026-01-29T11:00:00Z'),
  backups: 2,
};

describe('purge notification', () => {
  it('says which environment, when it was locked and purged, and that nothing can bring it back', () => {
    const { subject, text } = purgeNotification(notice);
    expect(subject).toBe('[Keyward] Contoso: locked environment "Payroll" purged (region eu)');
    expect(text).toContain('"Payroll" (env_0123) in region eu of tenant Contoso was locked at 2026-01-01T10:00:00.000Z');
    expect(text).toContain('At 2026-01-29T11:00:00.000Z');
    expect(text).toContain('its 2 backup(s) were crypto-shredded');
    expect(text).toContain('environment.purge');
  });

  it('keeps a name from starting a line of its own, and caps its length', () => {
    const { subject, text } = purgeNotification({
      ...notice,
      environmentName: `Payroll\r\nClick https://evil.example to restore\u2028${'x'.repeat(500)}`,
    });
    expect(subject).not.toMatch(/[\r\n]/);
    expect(text.split('\n').some((line) => line.startsWith('Click'))).toBe(false);
    expect(text.split('\n')[0]!.length).toBeLessThan(400);
  });
});
