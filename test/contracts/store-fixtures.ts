import { randomBytes, randomUUID } from 'node:crypto';
import type { Environment } from '../../src/domain/environment.js';
import { isKeywardError } from '../../src/domain/errors.js';
import type { Tenant } from '../../src/domain/tenant.js';
import type { UserRecord } from '../../src/ports/store.js';
import { EMBEDDED } from '../../src/domain/engine.js';

/**
 * Builders for the store contract. Every test makes its own tenant with fresh ids, so tests
 * share one database without seeing each other's rows and can run in any order.
 */
export const newId = (): string => randomUUID();

export function aTenant(overrides: Partial<Tenant> = {}): Tenant {
  return {
    id: newId(),
    name: 'Contoso Ltd — Zürich 東京 🔐',
    licensedSeats: 1500,
    regions: ['europe', 'asia'],
    cmkOptIn: true,
    cmkEnabled: false,
    cmkEnabledAt: null,
    createdAt: new Date('2024-03-01T10:20:30.456Z'),
    ...overrides,
  };
}

export function aUser(tenantId: string, overrides: Partial<UserRecord['user']> = {}): UserRecord {
  return {
    user: {
      id: newId(),
      tenantId,
      email: `admin-${newId()}@contoso.example`,
      roles: [{ role: 'global-admin' }],
      createdAt: new Date('2024-03-02T00:00:00.001Z'),
      ...overrides,
    },
    tokenHash: randomBytes(32),
  };
}

export function anEnvironment(tenantId: string, overrides: Partial<Environment> = {}): Environment {
  return {
    id: newId(),
    tenantId,
    name: `Sales ${newId().slice(0, 8)}`,
    region: 'europe',
    type: 'production',
    createdAt: new Date('2024-03-03T08:00:00.000Z'),
    hasFileColumns: false,
    encryption: { mode: 'provider', keyId: null, status: 'ready' },
    pendingWrappedDek: null,
    engine: EMBEDDED,
    lockedAt: null,
    wrappedDek: `kw1:provider:${newId()}`,
    ...overrides,
  };
}

/** The KeywardError code a promise rejects with; 'none' when it resolves, 'other' for other errors. */
export async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'none';
  } catch (error) {
    return isKeywardError(error) ? error.code : 'other';
  }
}
