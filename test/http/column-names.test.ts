// Issue 13, finding 5: column names a JavaScript object inherits (`constructor`, `toString`,
// `valueOf`, `hasOwnProperty`…) are ordinary column names: they never corrupt a row.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectStatus } from '../support/api.js';
import { startOne, tenantWithAdmin, type InProcessKeyward } from '../support/in-process.js';

let kw: InProcessKeyward;
let admin: string;
let rows: string;

const INHERITED = ['constructor', 'toString', 'valueOf', 'hasOwnProperty', 'isPrototypeOf', 'toLocaleString', 'propertyIsEnumerable'];

beforeAll(async () => {
  kw = await startOne();
  const tenant = await tenantWithAdmin(kw.call, kw.operatorToken, 'Prototypes');
  admin = tenant.admin;
  const env = await kw.call('POST', `/v1/tenants/${tenant.tenantId}/environments`, {
    token: admin,
    body: { name: 'Main', region: 'eu', type: 'sandbox' },
  });
  expectStatus(env, 201);
  rows = `/v1/environments/${env.body.id}/tables/things/rows`;
  expectStatus(
    await kw.call('POST', `/v1/environments/${env.body.id}/tables`, {
      token: admin,
      body: {
        name: 'things',
        columns: [
          { name: 'constructor', type: 'boolean' },
          { name: 'toString', type: 'text' },
          { name: 'valueOf', type: 'number' },
          { name: 'hasOwnProperty', type: 'datetime' },
          { name: 'isPrototypeOf', type: 'text' },
          { name: 'toLocaleString', type: 'boolean' },
          { name: 'propertyIsEnumerable', type: 'text' },
          { name: 'label', type: 'text' },
        ],
      },
    }),
    201,
  );
}, 60_000);
afterAll(async () => {
  await kw?.close();
});

describe('column names that objects inherit', () => {
  it('an insert that omits them stores null, not whatever Object.prototype holds', async () => {
    const created = expectStatus(await kw.call('POST', rows, { token: admin, body: { label: 'only a label' } }), 201);
    for (const name of INHERITED) expect(created.body[name], name).toBeNull();
    const read = expectStatus(await kw.call('GET', `${rows}/${created.body.id}`, { token: admin }), 200);
    for (const name of INHERITED) expect(read.body[name], name).toBeNull();
  });

  it('a PATCH of another column leaves them as they were', async () => {
    const created = expectStatus(
      await kw.call('POST', rows, {
        token: admin,
        body: { constructor: true, toString: 'text', valueOf: 42, hasOwnProperty: '2026-01-31T12:00:00Z', toLocaleString: true, label: 'a' },
      }),
      201,
    );
    const id = created.body.id as string;
    const patched = expectStatus(await kw.call('PATCH', `${rows}/${id}`, { token: admin, body: { label: 'b' } }), 200);
    expect(patched.body).toMatchObject({ constructor: true, toString: 'text', valueOf: 42, toLocaleString: true, label: 'b' });
    const read = expectStatus(await kw.call('GET', `${rows}/${id}`, { token: admin }), 200);
    expect(read.body).toMatchObject({
      constructor: true,
      toString: 'text',
      valueOf: 42,
      hasOwnProperty: '2026-01-31T12:00:00.000Z',
      toLocaleString: true,
      isPrototypeOf: null,
      label: 'b',
    });
    const page = expectStatus(await kw.call('GET', rows, { token: admin }), 200);
    expect(page.body.items.find((r: { id: string }) => r.id === id)).toMatchObject({ constructor: true, valueOf: 42 });
  });

  it('they can be set, and cleared with null', async () => {
    const created = expectStatus(await kw.call('POST', rows, { token: admin, body: { label: 'c' } }), 201);
    const id = created.body.id as string;
    expectStatus(await kw.call('PATCH', `${rows}/${id}`, { token: admin, body: { constructor: false, toString: 'x' } }), 200);
    const cleared = expectStatus(await kw.call('PATCH', `${rows}/${id}`, { token: admin, body: { toString: null } }), 200);
    expect(cleared.body).toMatchObject({ constructor: false, toString: null, label: 'c' });
  });
});
