// Issue 13, findings 6 and 7: names and labels are printable text (a NUL, U+FFFF or a lone
// surrogate is VALIDATION_FAILED, never a 500), and a missing acknowledgeRisk/acknowledgeDowntime
// is ACKNOWLEDGEMENT_REQUIRED exactly like `false` (R3, R11).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { advance, expectCode, expectStatus } from '../support/api.js';
import { startOne, tenantWithAdmin, type InProcessKeyward } from '../support/in-process.js';

let kw: InProcessKeyward;
let tenantId: string;
let admin: string;
let envId: string;

const HOSTILE = ['\u0000\uffff\ud800', 'Sales\u0000', 'x\uffff', 'lone \ud800 surrogate', 'line\nbreak', 'LOCK \u202eevil', '\u0085'];

beforeAll(async () => {
  kw = await startOne();
  ({ tenantId, admin } = await tenantWithAdmin(kw.call, kw.operatorToken, 'Names'));
  await advance(kw.call, kw.operatorToken, 2); // created after CMK was turned on (R2)
  envId = expectStatus(
    await kw.call('POST', `/v1/tenants/${tenantId}/environments`, { token: admin, body: { name: 'Main', region: 'eu', type: 'sandbox' } }),
    201,
  ).body.id;
}, 60_000);
afterAll(async () => {
  await kw?.close();
});

describe('names and labels refuse what is not printable text', () => {
  it.each(HOSTILE)('%j as a tenant, environment, key name and backup label → 400 VALIDATION_FAILED', async (name) => {
    expectCode(
      await kw.call('POST', '/v1/tenants', { token: kw.operatorToken, body: { name, licensedSeats: 10, regions: ['eu'], cmkOptIn: false } }),
      400,
      'VALIDATION_FAILED',
    );
    expectCode(
      await kw.call('POST', `/v1/tenants/${tenantId}/environments`, { token: admin, body: { name, region: 'eu', type: 'sandbox' } }),
      400,
      'VALIDATION_FAILED',
    );
    expectCode(
      await kw.call('POST', `/v1/tenants/${tenantId}/keys/generate`, {
        token: admin,
        body: { region: 'eu', name, password: 'a-long-password', acknowledgeRisk: true },
      }),
      400,
      'VALIDATION_FAILED',
    );
    expectCode(
      await kw.call('POST', `/v1/tenants/${tenantId}/keys/upload`, {
        token: admin,
        body: { region: 'eu', name, format: 'pfx', file: 'AAAA', password: 'pw', acknowledgeRisk: true },
      }),
      400,
      'VALIDATION_FAILED',
    );
    expectCode(await kw.call('POST', `/v1/environments/${envId}/backups`, { token: admin, body: { label: name } }), 400, 'VALIDATION_FAILED');
  });

  it('nothing was made', async () => {
    expect((await kw.call('GET', `/v1/tenants/${tenantId}/environments`, { token: admin })).body.items.map((e: { name: string }) => e.name)).toEqual([
      'Main',
    ]);
    expect((await kw.call('GET', `/v1/tenants/${tenantId}/keys`, { token: admin })).body.items).toEqual([]);
    expect((await kw.call('GET', `/v1/environments/${envId}/backups`, { token: admin })).body.items).toEqual([]);
  });

  it('printable names from any script still work', async () => {
    expectStatus(
      await kw.call('POST', `/v1/tenants/${tenantId}/environments`, {
        token: admin,
        body: { name: 'Zürich 東京 😀', region: 'eu', type: 'sandbox' },
      }),
      201,
    );
    expectStatus(await kw.call('POST', `/v1/environments/${envId}/backups`, { token: admin, body: { label: 'before the "big" change' } }), 201);
  });
});

describe('a missing acknowledgement is ACKNOWLEDGEMENT_REQUIRED, as false is', () => {
  const risk = (body: object) => ({ region: 'eu', name: 'First', password: 'a-long-password', ...body });

  it('generate, upload, activate (R3)', async () => {
    for (const extra of [{}, { acknowledgeRisk: false }]) {
      expectCode(
        await kw.call('POST', `/v1/tenants/${tenantId}/keys/generate`, { token: admin, body: risk(extra) }),
        400,
        'ACKNOWLEDGEMENT_REQUIRED',
      );
      expectCode(
        await kw.call('POST', `/v1/tenants/${tenantId}/keys/upload`, {
          token: admin,
          body: { region: 'eu', name: 'Up', format: 'pfx', file: 'AAAA', password: 'pw', ...extra },
        }),
        400,
        'ACKNOWLEDGEMENT_REQUIRED',
      );
      expectCode(
        await kw.call('POST', `/v1/tenants/${tenantId}/keys/key_none/activate`, { token: admin, body: extra }),
        400,
        'ACKNOWLEDGEMENT_REQUIRED',
      );
    }
  });

  it('apply-tenant-key (R11)', async () => {
    for (const body of [{}, { acknowledgeDowntime: false }]) {
      expectCode(
        await kw.call('POST', `/v1/environments/${envId}/encryption/apply-tenant-key`, { token: admin, body }),
        400,
        'ACKNOWLEDGEMENT_REQUIRED',
      );
    }
  });

  it('a wrong type is still a malformed request', async () => {
    expectCode(
      await kw.call('POST', `/v1/tenants/${tenantId}/keys/generate`, { token: admin, body: risk({ acknowledgeRisk: 'yes' }) }),
      400,
      'VALIDATION_FAILED',
    );
    expectCode(
      await kw.call('POST', `/v1/environments/${envId}/encryption/apply-tenant-key`, { token: admin, body: { acknowledgeDowntime: 1 } }),
      400,
      'VALIDATION_FAILED',
    );
  });

  it('the refusals are audited', async () => {
    const audit = await kw.call('GET', `/v1/tenants/${tenantId}/audit`, { token: admin });
    const refusals = audit.body.items.filter((e: { detail: string | null }) => e.detail?.startsWith('ACKNOWLEDGEMENT_REQUIRED'));
    expect(refusals.map((e: { action: string }) => e.action)).toEqual(
      expect.arrayContaining(['key.generate', 'key.upload', 'key.activate', 'environment.apply-tenant-key']),
    );
  });
});
