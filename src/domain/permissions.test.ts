import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { authorize, isAllowed, type Action } from './permissions.js';
import type { Principal, Role } from './principal.js';
import { KeywardError } from './errors.js';

const ACTIONS: Action[] = [
  'tenant.create',
  'tenant.read',
  'tenant.enableCmk',
  'user.add',
  'environment.create',
  'environment.list',
  'environment.read',
  'environment.delete',
  'data.read',
  'data.write',
  'key.read',
  'key.manage',
  'encryption.manage',
  'database.manage',
  'audit.read',
  'dev.clock',
  'metrics.read',
];
const tenantIds = ['ten_a', 'ten_b', 'ten_c'];
const envIds = ['env_1', 'env_2', 'env_3'];

const role = fc.oneof(
  fc.constant<Role>({ role: 'global-admin' }),
  fc.constant<Role>({ role: 'service-admin' }),
  fc.constantFrom(...envIds).map((environmentId): Role => ({ role: 'env-admin', environmentId })),
);
const user = fc
  .record({
    tenantId: fc.constantFrom(...tenantIds),
    roles: fc.array(role, { maxLength: 4 }),
  })
  .map(({ tenantId, roles }): Principal => ({ kind: 'user', id: 'usr_x', tenantId, email: 'x@example.com', roles }));

const codeOf = (f: () => void): string | undefined => {
  try {
    f();
    return undefined;
  } catch (e) {
    return e instanceof KeywardError ? e.code : 'not-a-keyward-error';
  }
};

describe('permission matrix (R19)', () => {
  it('no role of one tenant reaches anything of another tenant, and the refusal is 404', () => {
    fc.assert(
      fc.property(
        user,
        fc.constantFrom(...ACTIONS),
        fc.constantFrom(...tenantIds),
        fc.option(fc.constantFrom(...envIds)),
        (p, action, tenantId, environmentId) => {
          fc.pre(p.kind === 'user' && p.tenantId !== tenantId);
          const target = { tenantId, ...(environmentId ? { environmentId } : {}) };
          expect(isAllowed(p, action, target)).toBe(false);
          expect(codeOf(() => authorize(p, action, target))).toBe('NOT_FOUND');
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('tenant key actions need global-admin or service-admin of that tenant; the operator has none', () => {
    fc.assert(
      fc.property(user, fc.constantFrom<Action>('key.manage', 'key.read'), (p, action) => {
        const tenantId = p.kind === 'user' ? p.tenantId : '';
        const admin = p.kind === 'user' && p.roles.some((r) => r.role === 'global-admin' || r.role === 'service-admin');
        expect(isAllowed(p, action, { tenantId })).toBe(admin);
        if (!admin) expect(codeOf(() => authorize(p, action, { tenantId }))).toBe('FORBIDDEN');
      }),
    );
    expect(isAllowed({ kind: 'operator', id: 'op' }, 'key.manage', { tenantId: 'ten_a' })).toBe(false);
    expect(isAllowed({ kind: 'operator', id: 'op' }, 'encryption.manage', { tenantId: 'ten_a', environmentId: 'env_1' })).toBe(false);
  });

  it("an env-admin manages their environment's encryption and nothing of another environment", () => {
    fc.assert(
      fc.property(fc.constantFrom(...envIds), fc.constantFrom(...envIds), (mine, target) => {
        const p: Principal = { kind: 'user', id: 'u', tenantId: 'ten_a', email: 'e@x.io', roles: [{ role: 'env-admin', environmentId: mine }] };
        expect(isAllowed(p, 'encryption.manage', { tenantId: 'ten_a', environmentId: target })).toBe(mine === target);
        expect(isAllowed(p, 'data.read', { tenantId: 'ten_a', environmentId: target })).toBe(mine === target);
        expect(isAllowed(p, 'key.manage', { tenantId: 'ten_a' })).toBe(false);
        expect(isAllowed(p, 'user.add', { tenantId: 'ten_a' })).toBe(false);
      }),
    );
  });

  it('only the operator creates tenants and turns CMK on; only the operator and global admins add people', () => {
    const operator: Principal = { kind: 'operator', id: 'op' };
    const global: Principal = { kind: 'user', id: 'u', tenantId: 'ten_a', email: 'g@x.io', roles: [{ role: 'global-admin' }] };
    const service: Principal = { kind: 'user', id: 'u', tenantId: 'ten_a', email: 's@x.io', roles: [{ role: 'service-admin' }] };
    expect(isAllowed(operator, 'tenant.create', {})).toBe(true);
    expect(codeOf(() => authorize(global, 'tenant.create', {}))).toBe('FORBIDDEN');
    expect(codeOf(() => authorize(global, 'tenant.enableCmk', { tenantId: 'ten_a' }))).toBe('FORBIDDEN');
    expect(isAllowed(global, 'user.add', { tenantId: 'ten_a' })).toBe(true);
    expect(isAllowed(service, 'user.add', { tenantId: 'ten_a' })).toBe(false);
    expect(isAllowed(operator, 'user.add', { tenantId: 'ten_b' })).toBe(true);
  });
});
