import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, startServer, type Answer, type TestServer } from '../support/server.js';

/**
 * Bad input over real HTTP: each answered with its problem code, and nothing changed.
 * Runs at log level info so the test can also check that no token reaches the log.
 */
let server: TestServer;
let api: ReturnType<typeof client>;
let op: string;
let tenantId: string;
let admin: string;
let envId: string;
let otherAdmin: string;
let otherEnvId: string;

beforeAll(async () => {
  server = await startServer({ KEYWARD_LOG_LEVEL: 'info', KEYWARD_BODY_LIMIT_BYTES: String(64 * 1024) });
  api = client(server.url);
  op = server.operatorToken;
  const setup = async (name: string) => {
    const t = await api('POST', '/v1/tenants', { token: op, body: { name, licensedSeats: 2000, regions: ['eu'], cmkOptIn: true } });
    const u = await api('POST', `/v1/tenants/${t.body.id}/users`, {
      token: op,
      body: { email: `admin@${name}.test`, roles: [{ role: 'global-admin' }] },
    });
    const e = await api('POST', `/v1/tenants/${t.body.id}/environments`, {
      token: u.body.token,
      body: { name: 'Main', region: 'eu', type: 'production' },
    });
    await api('POST', `/v1/environments/${e.body.id}/tables`, {
      token: u.body.token,
      body: {
        name: 'items',
        columns: [
          { name: 'label', type: 'text' },
          { name: 'qty', type: 'number' },
        ],
      },
    });
    return { tenantId: t.body.id as string, token: u.body.token as string, envId: e.body.id as string };
  };
  ({ tenantId, token: admin, envId } = await setup('fabrikam'));
  ({ token: otherAdmin, envId: otherEnvId } = await setup('northwind'));
});
afterAll(async () => {
  await server?.stop();
});

const expectProblem = (answer: Answer, status: number, code: string) => {
  expect(answer.status, JSON.stringify(answer.body)).toBe(status);
  expect(answer.body).toMatchObject({
    status,
    code,
    type: expect.stringContaining('urn:keyward:problem:'),
    title: expect.any(String),
    detail: expect.any(String),
  });
  expect(answer.headers.get('content-type')).toContain('application/problem+json');
};

const environmentNames = async () =>
  (await api('GET', `/v1/tenants/${tenantId}/environments`, { token: admin })).body.items.map((e: { name: string }) => e.name);
const rowCount = async () => (await api('GET', `/v1/environments/${envId}/tables/items/rows?limit=1000`, { token: admin })).body.items.length;

describe('bad input changes nothing', () => {
  it('malformed JSON → 400 VALIDATION_FAILED', async () => {
    const before = await environmentNames();
    expectProblem(await api('POST', `/v1/tenants/${tenantId}/environments`, { token: admin, raw: '{"name": "X", ' }), 400, 'VALIDATION_FAILED');
    expectProblem(await api('POST', `/v1/tenants/${tenantId}/environments`, { token: admin, raw: '' }), 400, 'VALIDATION_FAILED');
    expectProblem(await api('POST', `/v1/tenants/${tenantId}/environments`, { token: admin, raw: '"just a string"' }), 400, 'VALIDATION_FAILED');
    expectProblem(
      await api('POST', `/v1/tenants/${tenantId}/environments`, { token: admin, raw: 'name=X', headers: { 'content-type': 'text/plain' } }),
      400,
      'VALIDATION_FAILED',
    );
    expect(await environmentNames()).toEqual(before);
  });

  it('wrong types and unknown fields → 400 naming the field', async () => {
    const before = await environmentNames();
    const wrongType = await api('POST', `/v1/tenants/${tenantId}/environments`, { token: admin, body: { name: 'X', region: 'eu', type: 'galaxy' } });
    expectProblem(wrongType, 400, 'VALIDATION_FAILED');
    expect(wrongType.body.detail).toContain('type');
    const unknown = await api('POST', `/v1/tenants/${tenantId}/environments`, {
      token: admin,
      body: { name: 'X', region: 'eu', type: 'sandbox', color: 'red' },
    });
    expectProblem(unknown, 400, 'VALIDATION_FAILED');
    expect(unknown.body.detail).toContain('additional');
    expectProblem(
      await api('POST', `/v1/tenants/${tenantId}/environments`, { token: admin, body: { name: 'X', region: 'mars', type: 'sandbox' } }),
      400,
      'VALIDATION_FAILED',
    );
    expectProblem(
      await api('POST', '/v1/tenants', { token: op, body: { name: 'T', licensedSeats: '1001', regions: ['eu'], cmkOptIn: true } }),
      400,
      'VALIDATION_FAILED',
    );
    expectProblem(
      await api('POST', '/v1/tenants', { token: op, body: { name: 'T', licensedSeats: 1.5, regions: ['eu'], cmkOptIn: true } }),
      400,
      'VALIDATION_FAILED',
    );
    expectProblem(
      await api('POST', `/v1/tenants/${tenantId}/users`, { token: op, body: { email: 'not-an-email', roles: [{ role: 'global-admin' }] } }),
      400,
      'VALIDATION_FAILED',
    );
    expectProblem(
      await api('POST', `/v1/tenants/${tenantId}/users`, { token: op, body: { email: 'a@b.test', roles: [{ role: 'emperor' }] } }),
      400,
      'VALIDATION_FAILED',
    );
    expect(await environmentNames()).toEqual(before);

    const rows = await rowCount();
    expectProblem(
      await api('POST', `/v1/environments/${envId}/tables/items/rows`, { token: admin, body: { label: 'x', qty: 'three' } }),
      400,
      'VALIDATION_FAILED',
    );
    expectProblem(
      await api('POST', `/v1/environments/${envId}/tables/items/rows`, { token: admin, body: { label: 'x', colour: 'red' } }),
      400,
      'VALIDATION_FAILED',
    );
    expectProblem(
      await api('POST', `/v1/environments/${envId}/tables/items/rows`, { token: admin, body: { label: { nested: true } } }),
      400,
      'VALIDATION_FAILED',
    );
    expectProblem(
      await api('POST', `/v1/environments/${envId}/tables`, { token: admin, body: { name: 'bad name', columns: [{ name: 'a', type: 'text' }] } }),
      400,
      'VALIDATION_FAILED',
    );
    expectProblem(
      await api('POST', `/v1/environments/${envId}/tables`, { token: admin, body: { name: 'items', columns: [{ name: 'a', type: 'text' }] } }),
      409,
      'CONFLICT',
    );
    expect(await rowCount()).toBe(rows);
  });

  it('an oversized body → 413 and nothing written', async () => {
    const rows = await rowCount();
    const answer = await api('POST', `/v1/environments/${envId}/tables/items/rows`, { token: admin, body: { label: 'x'.repeat(100 * 1024) } });
    expectProblem(answer, 413, 'PAYLOAD_TOO_LARGE');
    expect(await rowCount()).toBe(rows);
  });

  it('unknown ids → 404', async () => {
    expectProblem(await api('GET', '/v1/tenants/ten_nope', { token: op }), 404, 'NOT_FOUND');
    expectProblem(await api('GET', '/v1/environments/env_nope', { token: admin }), 404, 'NOT_FOUND');
    expectProblem(await api('GET', `/v1/environments/${envId}/tables/nope/rows`, { token: admin }), 404, 'NOT_FOUND');
    expectProblem(await api('GET', `/v1/environments/${envId}/tables/items/rows/row_nope`, { token: admin }), 404, 'NOT_FOUND');
    expectProblem(await api('PATCH', `/v1/environments/${envId}/tables/items/rows/row_nope`, { token: admin, body: { qty: 1 } }), 404, 'NOT_FOUND');
    expectProblem(await api('GET', '/v1/no/such/route', { token: admin }), 404, 'NOT_FOUND');
  });

  it("another tenant's ids → 404, exactly as for ids that do not exist", async () => {
    const rows = await rowCount();
    expectProblem(await api('GET', `/v1/tenants/${tenantId}`, { token: otherAdmin }), 404, 'NOT_FOUND');
    expectProblem(await api('GET', `/v1/environments/${envId}`, { token: otherAdmin }), 404, 'NOT_FOUND');
    expectProblem(await api('GET', `/v1/tenants/${tenantId}/environments`, { token: otherAdmin }), 404, 'NOT_FOUND');
    expectProblem(
      await api('POST', `/v1/environments/${envId}/tables/items/rows`, { token: otherAdmin, body: { label: 'intruder' } }),
      404,
      'NOT_FOUND',
    );
    expectProblem(await api('DELETE', `/v1/environments/${envId}`, { token: otherAdmin }), 404, 'NOT_FOUND');
    expectProblem(
      await api('POST', `/v1/tenants/${tenantId}/users`, { token: otherAdmin, body: { email: 'spy@x.test', roles: [{ role: 'global-admin' }] } }),
      404,
      'NOT_FOUND',
    );
    expectProblem(
      await api('POST', `/v1/tenants/${tenantId}/users`, {
        token: otherAdmin,
        body: { email: 'spy@x.test', roles: [{ role: 'env-admin', environmentId: otherEnvId }] },
      }),
      404,
      'NOT_FOUND',
    );
    expect(await rowCount()).toBe(rows);
    // An env-admin role naming another tenant's environment is refused too.
    expectProblem(
      await api('POST', `/v1/tenants/${tenantId}/users`, {
        token: admin,
        body: { email: 'x@y.test', roles: [{ role: 'env-admin', environmentId: otherEnvId }] },
      }),
      400,
      'VALIDATION_FAILED',
    );
  });

  it('missing or wrong token → 401, before anything else is looked at', async () => {
    expectProblem(await api('GET', `/v1/tenants/${tenantId}`), 401, 'UNAUTHENTICATED');
    expectProblem(await api('GET', `/v1/tenants/${tenantId}`, { token: 'kw_wrongwrongwrongwrongwrong' }), 401, 'UNAUTHENTICATED');
    expectProblem(await api('GET', `/v1/tenants/${tenantId}`, { headers: { authorization: `Basic ${admin}` } }), 401, 'UNAUTHENTICATED');
    expectProblem(await api('POST', '/v1/tenants', { raw: '{bad json' }), 401, 'UNAUTHENTICATED');
    expectProblem(await api('GET', '/v1/openapi.json'), 401, 'UNAUTHENTICATED');
    expectProblem(await api('GET', '/metrics'), 401, 'UNAUTHENTICATED');
  });

  it('writes no token, password or row body into its log', () => {
    const log = server.output();
    expect(log).toContain('incoming request');
    for (const secret of [op, admin, otherAdmin, 'intruder']) expect(log).not.toContain(secret);
  });
});
