import { describe, expect, it } from 'vitest';
import { assertCmkEligible, assertCmkEnabled, enableCmk, type Tenant } from './tenant.js';
import { assertCmkEligibleEnvironment, assertDataAccessible, isCmkEligible, type Environment } from './environment.js';
import { ERROR_CODES, ERROR_STATUS, KeywardError } from './errors.js';
import { assertValidTableDefinition, normaliseRow } from './table-schema.js';
import { EMBEDDED } from './engine.js';

const tenant = (over: Partial<Tenant> = {}): Tenant => ({
  id: 'ten_1',
  name: 'Contoso',
  licensedSeats: 1001,
  regions: ['eu'],
  cmkOptIn: true,
  cmkEnabled: false,
  cmkEnabledAt: null,
  createdAt: new Date('2026-01-01T00:00:00Z'),
  ...over,
});
const env = (over: Partial<Environment> = {}): Environment => ({
  id: 'env_1',
  tenantId: 'ten_1',
  name: 'Prod',
  region: 'eu',
  type: 'production',
  createdAt: new Date('2026-02-01T00:00:00Z'),
  hasFileColumns: false,
  pendingWrappedDek: null,
  engine: EMBEDDED,
  encryption: { mode: 'provider', keyId: null, status: 'ready' },
  wrappedDek: 'kw1:x:y:z',
  lockedAt: null,
  ...over,
});
const code = (f: () => unknown) => {
  try {
    f();
    return 'ok';
  } catch (e) {
    return (e as KeywardError).code;
  }
};

describe('R1: turning CMK on', () => {
  it('needs the opt-in and more than 1000 seats', () => {
    expect(code(() => assertCmkEligible(tenant({ licensedSeats: 1000 })))).toBe('CMK_NOT_ELIGIBLE');
    expect(code(() => assertCmkEligible(tenant({ cmkOptIn: false, licensedSeats: 5000 })))).toBe('CMK_NOT_ELIGIBLE');
    expect(code(() => assertCmkEligible(tenant({ licensedSeats: 1001 })))).toBe('ok');
  });
  it('keeps the first enabling time, since R2 counts from it', () => {
    const first = enableCmk(tenant(), new Date('2026-01-10T00:00:00Z'));
    const again = enableCmk(first, new Date('2026-03-01T00:00:00Z'));
    expect(again.cmkEnabledAt?.toISOString()).toBe('2026-01-10T00:00:00.000Z');
    expect(code(() => assertCmkEnabled(tenant()))).toBe('CMK_NOT_ENABLED');
  });
});

describe('R2: which environments may use a tenant key', () => {
  const enabled = tenant({ cmkEnabled: true, cmkEnabledAt: new Date('2026-01-15T00:00:00Z') });
  it('only those made after CMK was enabled and without file or image columns', () => {
    expect(isCmkEligible(env(), enabled)).toBe(true);
    expect(isCmkEligible(env({ createdAt: new Date('2026-01-14T00:00:00Z') }), enabled)).toBe(false);
    expect(isCmkEligible(env({ hasFileColumns: true }), enabled)).toBe(false);
    expect(isCmkEligible(env(), tenant())).toBe(false);
    expect(code(() => assertCmkEligibleEnvironment(env({ hasFileColumns: true }), enabled))).toBe('ENVIRONMENT_NOT_ELIGIBLE');
    expect(code(() => assertCmkEligibleEnvironment(env(), tenant()))).toBe('CMK_NOT_ENABLED');
  });
});

describe('data access by encryption status', () => {
  it('locked answers ENVIRONMENT_LOCKED, updating ENVIRONMENT_UPDATING', () => {
    expect(code(() => assertDataAccessible(env({ encryption: { mode: 'tenant', keyId: 'k', status: 'locked' } })))).toBe('ENVIRONMENT_LOCKED');
    expect(code(() => assertDataAccessible(env({ encryption: { mode: 'tenant', keyId: 'k', status: 'updating' } })))).toBe('ENVIRONMENT_UPDATING');
    expect(code(() => assertDataAccessible(env()))).toBe('ok');
  });
});

describe('error table', () => {
  it('maps every SPEC code to the status API.md gives', () => {
    expect(ERROR_STATUS.ENVIRONMENT_LOCKED).toBe(423);
    expect(ERROR_STATUS.KEY_MISMATCH).toBe(409);
    expect(ERROR_STATUS.BAD_PASSWORD).toBe(400);
    expect(ERROR_STATUS.RATE_LIMITED).toBe(429);
    expect(ERROR_STATUS.ENVIRONMENT_UPDATING).toBe(503);
    for (const c of ERROR_CODES) expect(new KeywardError(c, 'x').status).toBeGreaterThanOrEqual(400);
  });
});

describe('tables and rows', () => {
  it('refuses unsafe names, reserved and duplicate columns, and wrong cell types', () => {
    expect(code(() => assertValidTableDefinition({ name: 'a"; drop', columns: [{ name: 'x', type: 'text' }] }))).toBe('VALIDATION_FAILED');
    expect(code(() => assertValidTableDefinition({ name: 't', columns: [{ name: 'id', type: 'text' }] }))).toBe('VALIDATION_FAILED');
    expect(
      code(() =>
        assertValidTableDefinition({
          name: 't',
          columns: [
            { name: 'a', type: 'text' },
            { name: 'A', type: 'number' },
          ],
        }),
      ),
    ).toBe('VALIDATION_FAILED');
    const table = {
      name: 't',
      columns: [
        { name: 'n', type: 'number' as const },
        { name: 'd', type: 'datetime' as const },
      ],
    };
    expect(code(() => normaliseRow(table, { n: '3' }, false))).toBe('VALIDATION_FAILED');
    expect(code(() => normaliseRow(table, { zz: 1 }, false))).toBe('VALIDATION_FAILED');
    expect(normaliseRow(table, { d: '2026-01-31T13:00:00+01:00' }, false)).toEqual({ d: '2026-01-31T12:00:00.000Z', n: null });
  });
});
