import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../adapters/store/open-store.js';
import type { Role } from '../../domain/principal.js';
import type { Store } from '../../ports/store.js';
import { keyChangeRecipients } from './key-change-recipients.js';
import { queueKeyChangeNotification } from './queue-key-change.js';

let store: Store;
beforeAll(async () => {
  store = await openStore({ kind: 'sqlite', file: ':memory:' });
});
afterAll(async () => {
  await store?.close();
});

let counter = 0;
async function tenantWith(users: [string, Role[]][]): Promise<string> {
  const tenantId = `ten_${++counter}`;
  await store.tenants.insert({
    id: tenantId,
    name: 'Contoso',
    licensedSeats: 2000,
    regions: ['europe'],
    cmkOptIn: true,
    cmkEnabled: true,
    cmkEnabledAt: new Date('2024-01-01T00:00:00.000Z'),
    createdAt: new Date('2024-01-01T00:00:00.000Z'),
  });
  for (const [i, [email, roles]] of users.entries()) {
    await store.users.insert({
      user: { id: `usr_${counter}_${i}`, tenantId, email, roles, createdAt: new Date(Date.UTC(2024, 0, 2, 0, i)) },
      tokenHash: Buffer.from(`${counter}-${i}`.padEnd(32, '.')),
    });
  }
  return tenantId;
}

const change = (tenantId: string, idempotencyKey = `key.activate.${tenantId}`) => ({
  tenantId,
  idempotencyKey,
  tenantName: 'Contoso',
  actor: 'g@contoso.example (usr_1)',
  action: 'activated' as const,
  keyName: 'Prod',
  thumbprint: 'ab'.repeat(32),
  region: 'europe',
  at: new Date('2024-06-01T12:00:00.000Z'),
});

describe('key change recipients and queueing (R10)', () => {
  it('lists every global and service admin once, in the order they were added', async () => {
    const tenantId = await tenantWith([
      ['g@contoso.example', [{ role: 'global-admin' }]],
      ['env@contoso.example', [{ role: 'env-admin', environmentId: 'env_1' }]],
      ['s@contoso.example', [{ role: 'service-admin' }, { role: 'global-admin' }]],
    ]);
    await tenantWith([['other-tenant@contoso.example', [{ role: 'global-admin' }]]]);
    expect(await keyChangeRecipients(store.users, tenantId)).toEqual(['g@contoso.example', 's@contoso.example']);
  });

  it('drops an address listed twice under two spellings', async () => {
    const users = {
      listByTenant: () =>
        Promise.resolve([
          { id: 'u1', tenantId: 't', email: 'Admin@Contoso.example', roles: [{ role: 'global-admin' as const }], createdAt: new Date(0) },
          { id: 'u2', tenantId: 't', email: 'admin@contoso.EXAMPLE', roles: [{ role: 'service-admin' as const }], createdAt: new Date(0) },
        ]),
    };
    expect(await keyChangeRecipients(users, 't')).toEqual(['Admin@Contoso.example']);
  });

  it('queues one message to all admins in the unit of work, once per idempotency key', async () => {
    const tenantId = await tenantWith([
      ['g@contoso.example', [{ role: 'global-admin' }]],
      ['s@contoso.example', [{ role: 'service-admin' }]],
    ]);
    expect(await store.transaction((tx) => queueKeyChangeNotification(tx, change(tenantId)))).toBe(true);
    expect(await store.transaction((tx) => queueKeyChangeNotification(tx, change(tenantId)))).toBe(true);
    const queued = await store.notifications.listByTenant(tenantId);
    expect(queued).toHaveLength(1);
    expect(queued[0]).toMatchObject({
      idempotencyKey: `key.activate.${tenantId}`,
      to: ['g@contoso.example', 's@contoso.example'],
      subject: '[Keyward] Contoso: tenant key "Prod" activated (region europe)',
      createdAt: new Date('2024-06-01T12:00:00.000Z'),
    });
  });

  it('queues nothing when the tenant has no admin to tell', async () => {
    const tenantId = await tenantWith([['env@contoso.example', [{ role: 'env-admin', environmentId: 'env_1' }]]]);
    expect(await store.transaction((tx) => queueKeyChangeNotification(tx, change(tenantId)))).toBe(false);
    expect(await store.notifications.listByTenant(tenantId)).toEqual([]);
  });
});
