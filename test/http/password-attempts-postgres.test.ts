// SPEC F2 across instances: two Keyward instances on one PostgreSQL store count one caller's
// wrong .pfx passwords together, and collapse one flood of refusals into one run of entries.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatePfx } from '../../src/crypto/key-files/index.js';
import { advance, expectCode } from '../support/api.js';
import { postgresUnreachable, sql, testDatabaseHost, testDatabaseUrl } from '../support/postgres.js';
import { startOne, tenantWithAdmin, type InProcessKeyward } from '../support/in-process.js';

const reason = await postgresUnreachable();
const schema = `keyward_f2_${randomBytes(6).toString('hex')}`;

if (reason !== undefined && process.env.CI) {
  describe('password attempts on PostgreSQL', () => {
    it('needs a reachable PostgreSQL', () => {
      throw new Error(`PostgreSQL at ${testDatabaseHost} is unreachable (${reason}); set KEYWARD_TEST_DATABASE_URL.`);
    });
  });
} else if (reason !== undefined) {
  console.warn(`Skipping password attempts on PostgreSQL: ${testDatabaseHost} is unreachable (${reason}).`);
  describe.skip('password attempts on PostgreSQL', () => undefined);
} else {
  let a: InProcessKeyward;
  let b: InProcessKeyward;
  let tenantId: string;
  let admin: string;
  let pfx: string;
  const env = { KEYWARD_DATABASE_URL: testDatabaseUrl, KEYWARD_DATABASE_SCHEMA: schema, KEYWARD_PASSWORD_FAILURES_PER_CALLER: '2' };

  beforeAll(async () => {
    a = await startOne(env);
    b = await startOne(env, { share: a });
    ({ tenantId, admin } = await tenantWithAdmin(a.call, a.operatorToken, 'Shared'));
    pfx = (await generatePfx({ keyName: 'k', tenantName: 't', password: 'right-Pa55', now: new Date(), iterations: 2048 })).pfx.toString('base64');
  }, 60_000);
  afterAll(async () => {
    await b?.close();
    await a?.close();
    await sql(`drop schema if exists "${schema}" cascade`);
  });

  let n = 0;
  const upload = (kw: InProcessKeyward, password: string, acknowledgeRisk = true) =>
    kw.call('POST', `/v1/tenants/${tenantId}/keys/upload`, {
      token: admin,
      body: { region: 'eu', name: `K${++n}`, format: 'pfx', file: pfx, password, acknowledgeRisk },
    });

  describe('password attempts on PostgreSQL, two instances', () => {
    it("one caller's failures count together, whichever instance answers", async () => {
      // 2, then waits of 1, 2, 4 and 8 s; the dev clock is shared through the store.
      const instances = [a, b, a, b, a];
      for (const [i, kw] of instances.entries()) {
        expectCode(await upload(kw, 'wrong'), 400, 'BAD_PASSWORD');
        if (i < instances.length - 1) await advance(kw.call, kw.operatorToken, 10);
      }
      for (const kw of [b, a]) {
        const refused = expectCode(await upload(kw, 'wrong'), 429, 'RATE_LIMITED');
        expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(7);
      }
    });

    it('a flood of one refusal, spread over both instances, adds one entry, and one counted entry later', async () => {
      // Reading the log also writes out the counts of the first test's refusals, now due.
      const acknowledgements = async (kw: InProcessKeyward) =>
        (await kw.call('GET', `/v1/tenants/${tenantId}/audit?limit=1000`, { token: admin })).body.items
          .map((e: { detail: string | null }) => e.detail ?? '')
          .filter((detail: string) => detail.startsWith('ACKNOWLEDGEMENT_REQUIRED'));
      for (let i = 0; i < 30; i++) expectCode(await upload(i % 2 ? a : b, 'x', false), 400, 'ACKNOWLEDGEMENT_REQUIRED');
      expect(await acknowledgements(a)).toEqual(['ACKNOWLEDGEMENT_REQUIRED']);
      await advance(a.call, a.operatorToken, 61);
      const after = await acknowledgements(b);
      expect(after).toHaveLength(2);
      expect(after[1]).toMatch(/^ACKNOWLEDGEMENT_REQUIRED, repeated 29 more times from .* \(collapsed\)$/);
      expect((await a.call('GET', `/v1/tenants/${tenantId}/audit/verify`, { token: admin })).body.ok).toBe(true);
    });
  });
}
