// Issue 13, finding 3: a page of rows has a byte cap (KEYWARD_ROW_PAGE_BYTES): it stops early and
// gives the cursor for the rest, whatever `limit` asks; following the cursors reads every row.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectStatus } from '../support/api.js';
import { startOne, tenantWithAdmin, type InProcessKeyward } from '../support/in-process.js';

let kw: InProcessKeyward;
let admin: string;
let rows: string;
const CELL = 20_000;

beforeAll(async () => {
  kw = await startOne({ KEYWARD_ROW_PAGE_BYTES: String(64 * 1024) });
  const tenant = await tenantWithAdmin(kw.call, kw.operatorToken, 'Pages');
  admin = tenant.admin;
  const env = expectStatus(
    await kw.call('POST', `/v1/tenants/${tenant.tenantId}/environments`, { token: admin, body: { name: 'Main', region: 'eu', type: 'sandbox' } }),
    201,
  );
  expectStatus(
    await kw.call('POST', `/v1/environments/${env.body.id}/tables`, {
      token: admin,
      body: {
        name: 'docs',
        columns: [
          { name: 'a', type: 'text' },
          { name: 'b', type: 'text' },
        ],
      },
    }),
    201,
  );
  rows = `/v1/environments/${env.body.id}/tables/docs/rows`;
  for (let i = 0; i < 10; i++) {
    const cell = () => randomBytes(CELL / 2).toString('hex');
    expectStatus(await kw.call('POST', rows, { token: admin, body: { a: cell(), b: cell() } }), 201);
  }
}, 60_000);
afterAll(async () => {
  await kw?.close();
});

describe('row pages', () => {
  it('stop at the byte cap however large the limit, and the cursors lead through every row', async () => {
    const sizes: number[] = [];
    const ids = new Set<string>();
    let after: string | null = null;
    do {
      const page = expectStatus(await kw.call('GET', `${rows}?limit=1000${after ? `&after=${after}` : ''}`, { token: admin }), 200);
      sizes.push(page.body.items.length);
      for (const row of page.body.items) ids.add(row.id);
      after = page.body.nextCursor;
    } while (after !== null);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(1); // 64 KiB holds one 40 kB row
    expect(ids.size).toBe(10);
  });
});
