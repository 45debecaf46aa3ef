// Issue 13, finding 8 (SPEC F3): environments per tenant, tables per environment and backups per
// environment are limited (configurable); reaching a limit is a 409 naming it, and makes nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectCode, expectStatus } from '../support/api.js';
import { startOne, tenantWithAdmin, type InProcessKeyward } from '../support/in-process.js';

let kw: InProcessKeyward;
let tenantId: string;
let admin: string;

beforeAll(async () => {
  kw = await startOne({
    KEYWARD_MAX_ENVIRONMENTS_PER_TENANT: '2',
    KEYWARD_MAX_TABLES_PER_ENVIRONMENT: '2',
    KEYWARD_MAX_BACKUPS_PER_ENVIRONMENT: '2',
  });
  ({ tenantId, admin } = await tenantWithAdmin(kw.call, kw.operatorToken, 'Quotas'));
}, 60_000);
afterAll(async () => {
  await kw?.close();
});

const createEnvironment = (name: string) =>
  kw.call('POST', `/v1/tenants/${tenantId}/environments`, { token: admin, body: { name, region: 'eu', type: 'sandbox' } });
const names = async () =>
  (await kw.call('GET', `/v1/tenants/${tenantId}/environments`, { token: admin })).body.items.map((e: { name: string }) => e.name);

describe('quotas', () => {
  it('environments per tenant; deleting one makes room again', async () => {
    const first = expectStatus(await createEnvironment('One'), 201);
    expectStatus(await createEnvironment('Two'), 201);
    const refused = expectCode(await createEnvironment('Three'), 409, 'CONFLICT');
    expect(refused.body.detail).toMatch(/limit: 2 environments per tenant/);
    expect(await names()).toEqual(['One', 'Two']);
    expectStatus(await kw.call('DELETE', `/v1/environments/${first.body.id}`, { token: admin }), 204);
    expectStatus(await createEnvironment('Three'), 201);
  });

  it('tables per environment', async () => {
    const env = (await kw.call('GET', `/v1/tenants/${tenantId}/environments`, { token: admin })).body.items[0].id;
    const table = (name: string) =>
      kw.call('POST', `/v1/environments/${env}/tables`, { token: admin, body: { name, columns: [{ name: 'a', type: 'text' }] } });
    expectStatus(await table('t1'), 201);
    expectStatus(await table('t2'), 201);
    const refused = expectCode(await table('t3'), 409, 'CONFLICT');
    expect(refused.body.detail).toMatch(/limit: 2 tables per environment/);
    expectCode(await kw.call('GET', `/v1/environments/${env}/tables/t3/rows`, { token: admin }), 404, 'NOT_FOUND');
  });

  it('backups per environment', async () => {
    const env = (await kw.call('GET', `/v1/tenants/${tenantId}/environments`, { token: admin })).body.items[0].id;
    const backup = () => kw.call('POST', `/v1/environments/${env}/backups`, { token: admin, body: {} });
    expectStatus(await backup(), 201);
    expectStatus(await backup(), 201);
    const refused = expectCode(await backup(), 409, 'CONFLICT');
    expect(refused.body.detail).toMatch(/limit: 2 backups per environment/);
    expect((await kw.call('GET', `/v1/environments/${env}/backups`, { token: admin })).body.items).toHaveLength(2);
  });
});
