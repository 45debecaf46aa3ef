// Issue 13, finding 10: asking for another tenant's tenant, environment, key, operation or backup
// answers exactly what asking for an id that does not exist answers (status, code and detail,
// with the id itself set aside), so no answer tells a prober which ids exist.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { advance, expectStatus } from '../support/api.js';
import type { Answer } from '../support/server.js';
import { startOne, tenantWithAdmin, type InProcessKeyward } from '../support/in-process.js';

let kw: InProcessKeyward;
let a: { tenantId: string; admin: string; envId: string };
let b: { tenantId: string; admin: string; envId: string; keyId: string; operationId: string; backupId: string };

async function tenant(name: string) {
  const t = await tenantWithAdmin(kw.call, kw.operatorToken, name);
  await advance(kw.call, kw.operatorToken, 2);
  const env = expectStatus(
    await kw.call('POST', `/v1/tenants/${t.tenantId}/environments`, { token: t.admin, body: { name: 'Main', region: 'eu', type: 'sandbox' } }),
    201,
  );
  return { tenantId: t.tenantId, admin: t.admin, envId: env.body.id as string };
}

beforeAll(async () => {
  kw = await startOne();
  a = await tenant('Alpha');
  const beta = await tenant('Beta');
  const generated = expectStatus(
    await kw.call('POST', `/v1/tenants/${beta.tenantId}/keys/generate`, {
      token: beta.admin,
      body: { region: 'eu', name: 'First', password: 'a-long-password', acknowledgeRisk: true },
    }),
    201,
  );
  const backup = expectStatus(await kw.call('POST', `/v1/environments/${beta.envId}/backups`, { token: beta.admin, body: {} }), 201);
  b = { ...beta, keyId: generated.body.key.id, operationId: generated.body.operation.id, backupId: backup.body.id };
}, 60_000);
afterAll(async () => {
  await kw?.close();
});

/** The answer with the asked-for id replaced, so two answers about different ids compare. */
const shape = (answer: Answer, id: string) => ({
  status: answer.status,
  code: answer.body?.code,
  detail: String(answer.body?.detail).replaceAll(id, '<id>'),
});

type Ask = (id: string) => Promise<Answer>;

async function expectSameAsMissing(theirs: string, missing: string, ask: Ask): Promise<void> {
  const foreign = shape(await ask(theirs), theirs);
  const absent = shape(await ask(missing), missing);
  expect(foreign.status).toBe(404);
  expect(foreign).toEqual(absent);
}

describe("another tenant's ids read as ids that do not exist", () => {
  it('tenants', async () => {
    const token = a.admin;
    for (const ask of [
      (id: string) => kw.call('GET', `/v1/tenants/${id}`, { token }),
      (id: string) => kw.call('GET', `/v1/tenants/${id}/environments`, { token }),
      (id: string) => kw.call('GET', `/v1/tenants/${id}/keys`, { token }),
      (id: string) => kw.call('GET', `/v1/tenants/${id}/audit`, { token }),
      (id: string) => kw.call('POST', `/v1/tenants/${id}/environments`, { token, body: { name: 'X', region: 'eu', type: 'sandbox' } }),
      (id: string) => kw.call('POST', `/v1/tenants/${id}/keys/${b.keyId}/activate`, { token, body: { acknowledgeRisk: true } }),
    ]) {
      await expectSameAsMissing(b.tenantId, 'ten_doesnotexist', ask);
    }
  });

  it('environments', async () => {
    const token = a.admin;
    for (const ask of [
      (id: string) => kw.call('GET', `/v1/environments/${id}`, { token }),
      (id: string) => kw.call('GET', `/v1/environments/${id}/backups`, { token }),
      (id: string) => kw.call('GET', `/v1/environments/${id}/tables/things/rows`, { token }),
      (id: string) => kw.call('POST', `/v1/environments/${id}/tables`, { token, body: { name: 't', columns: [{ name: 'a', type: 'text' }] } }),
      (id: string) => kw.call('POST', `/v1/environments/${id}/backups`, { token, body: {} }),
      (id: string) => kw.call('POST', `/v1/environments/${id}/encryption/apply-tenant-key`, { token, body: { acknowledgeDowntime: true } }),
      (id: string) => kw.call('DELETE', `/v1/environments/${id}`, { token }),
      (id: string) => kw.call('POST', `/v1/environments/${a.envId}/copy`, { token, body: { sourceEnvironmentId: id } }),
    ]) {
      await expectSameAsMissing(b.envId, 'env_doesnotexist', ask);
    }
  });

  it('keys', async () => {
    const token = a.admin;
    await expectSameAsMissing(b.keyId, 'key_doesnotexist', (id) =>
      kw.call('POST', `/v1/tenants/${a.tenantId}/keys/${id}/activate`, { token, body: { acknowledgeRisk: true } }),
    );
    await expectSameAsMissing(b.keyId, 'key_doesnotexist', (id) =>
      kw.call('POST', `/v1/tenants/${a.tenantId}/keys/${id}/unlock`, { token, body: { file: 'AAAA', password: 'pw' } }),
    );
  });

  it('operations', async () => {
    await expectSameAsMissing(b.operationId, 'op_doesnotexist', (id) => kw.call('GET', `/v1/operations/${id}`, { token: a.admin }));
  });

  it('backups', async () => {
    await expectSameAsMissing(b.backupId, 'bk_doesnotexist', (id) =>
      kw.call('POST', `/v1/environments/${a.envId}/restore`, { token: a.admin, body: { sourceEnvironmentId: a.envId, backupId: id } }),
    );
  });

  it('the owner still finds them', async () => {
    expectStatus(await kw.call('GET', `/v1/environments/${b.envId}`, { token: b.admin }), 200);
    expectStatus(await kw.call('GET', `/v1/operations/${b.operationId}`, { token: b.admin }), 200);
  });
});
