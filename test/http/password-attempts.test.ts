// Issue 13, finding 2 (SPEC F2): wrong .pfx passwords on upload and lock are limited per caller
// and per tenant, backing off after failures, answered 429 RATE_LIMITED with Retry-After and
// retryAfter; refusals stay audited, but repeats are collapsed so a flood cannot grow the log.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatePfx } from '../../src/crypto/key-files/index.js';
import { advance, expectCode, expectStatus, expectSucceeded, HOUR } from '../support/api.js';
import type { Answer } from '../support/server.js';
import { startOne, tenantWithAdmin, type InProcessKeyward } from '../support/in-process.js';

const PASSWORD = 'the-right-Pa55';
let pfx: string;

beforeAll(async () => {
  const made = await generatePfx({ keyName: 'k', tenantName: 't', password: PASSWORD, now: new Date(), iterations: 2048 });
  pfx = made.pfx.toString('base64');
});

let uploads = 0;
const upload = (kw: InProcessKeyward, tenantId: string, token: string, password: string) =>
  kw.call('POST', `/v1/tenants/${tenantId}/keys/upload`, {
    token,
    body: { region: 'eu', name: `Uploaded ${++uploads}`, format: 'pfx', file: pfx, password, acknowledgeRisk: true },
  });

async function addAdmin(kw: InProcessKeyward, tenantId: string, email: string): Promise<string> {
  const user = await kw.call('POST', `/v1/tenants/${tenantId}/users`, {
    token: kw.operatorToken,
    body: { email, roles: [{ role: 'global-admin' }] },
  });
  return expectStatus(user, 201).body.token;
}

function expectRateLimited(answer: Answer, atLeastSeconds: number): void {
  expectCode(answer, 429, 'RATE_LIMITED');
  const seconds = Number(answer.headers.get('retry-after'));
  expect(seconds).toBeGreaterThanOrEqual(atLeastSeconds);
  expect(Date.parse(answer.body.retryAfter)).toBeGreaterThan(Date.now());
}

/** Wrong passwords, moving the clock past each wait, until the next wait is 8 s (a margin no test run eats up). */
async function failUntilEightSeconds(kw: InProcessKeyward, attempts: Array<() => Promise<Answer>>): Promise<void> {
  for (const [i, attempt] of attempts.entries()) {
    expectCode(await attempt(), 400, 'BAD_PASSWORD');
    if (i < attempts.length - 1) await advance(kw.call, kw.operatorToken, 10);
  }
}

describe('per caller', () => {
  let kw: InProcessKeyward;
  let tenantId: string;
  let admin: string;
  beforeAll(async () => {
    kw = await startOne({ KEYWARD_PASSWORD_FAILURES_PER_CALLER: '2', KEYWARD_PASSWORD_FAILURES_PER_TENANT: '1000' }, { background: true });
    ({ tenantId, admin } = await tenantWithAdmin(kw.call, kw.operatorToken, 'Callers'));
  }, 60_000);
  afterAll(async () => {
    await kw?.close();
  });

  it('after two wrong passwords each try waits twice as long; the wait is answered 429 with Retry-After', async () => {
    expectCode(await upload(kw, tenantId, admin, 'wrong-1'), 400, 'BAD_PASSWORD');
    // 2 failures: a 1 s wait begins, then 2 s, 4 s, 8 s.
    await failUntilEightSeconds(
      kw,
      [1, 2, 3, 4].map((n) => () => upload(kw, tenantId, admin, `wrong-${n + 1}`)),
    );
    expectRateLimited(await upload(kw, tenantId, admin, 'wrong-6'), 7);
    // Even the right password waits its turn: the limit is on trying, not on failing.
    expectRateLimited(await upload(kw, tenantId, admin, PASSWORD), 7);
  });

  it('another admin of the same tenant is not held back by this caller', async () => {
    const other = await addAdmin(kw, tenantId, 'second@callers.test');
    expectCode(await upload(kw, tenantId, other, 'wrong'), 400, 'BAD_PASSWORD');
  });

  it('once the wait is over, the right password works and starts the run over', async () => {
    await advance(kw.call, kw.operatorToken, 9);
    const created = expectStatus(await upload(kw, tenantId, admin, PASSWORD), 201);
    await expectSucceeded(kw.call, admin, { status: 202, body: { operation: created.body.operation }, headers: new Headers() });
    expectCode(await upload(kw, tenantId, admin, 'wrong-again'), 400, 'BAD_PASSWORD');
  });

  it('lock proofs are limited the same way', async () => {
    await advance(kw.call, kw.operatorToken, 73 * HOUR);
    const challenge = expectStatus(await kw.call('GET', `/v1/tenants/${tenantId}/lock-challenge?region=eu`, { token: admin }), 200);
    const lock = (password: string) =>
      kw.call('POST', `/v1/tenants/${tenantId}/lock`, {
        token: admin,
        body: { region: 'eu', file: pfx, password, confirmation: challenge.body.text },
      });
    // 73 h later the upload's run is long forgotten (after an hour): this is a run of its own.
    await failUntilEightSeconds(
      kw,
      [1, 2, 3, 4, 5].map((n) => () => lock(`wrong-${n}`)),
    );
    expectRateLimited(await lock('wrong-6'), 7);
  });

  it('every refusal is audited, repeats collapsed into counted entries; the chain still verifies', async () => {
    const before = (await kw.call('GET', `/v1/tenants/${tenantId}/audit`, { token: admin })).body.items.length;
    for (let i = 0; i < 40; i++) expectRateLimited(await upload(kw, tenantId, admin, 'flood'), 1);
    const during = (await kw.call('GET', `/v1/tenants/${tenantId}/audit`, { token: admin })).body.items;
    expect(during.length - before).toBeLessThanOrEqual(1);
    await advance(kw.call, kw.operatorToken, 61);
    const after = (await kw.call('GET', `/v1/tenants/${tenantId}/audit`, { token: admin })).body.items;
    const collapsed = after.filter((e: { detail: string | null }) => /^RATE_LIMITED, repeated \d+ more times .* \(collapsed\)$/.test(e.detail ?? ''));
    const total = collapsed.reduce((sum: number, e: { detail: string }) => sum + Number(/repeated (\d+)/.exec(e.detail)![1]), 0);
    const single = after.filter((e: { detail: string | null; action: string }) => e.detail === 'RATE_LIMITED' && e.action === 'key.upload').length;
    expect(single + total).toBeGreaterThanOrEqual(40);
    expect(after.length - before).toBeLessThanOrEqual(3);
    const verdict = expectStatus(await kw.call('GET', `/v1/tenants/${tenantId}/audit/verify`, { token: admin }), 200);
    expect(verdict.body.ok).toBe(true);
  });
});

describe('per tenant', () => {
  let kw: InProcessKeyward;
  let tenantId: string;
  let admins: string[];
  let otherTenant: { tenantId: string; admin: string };
  beforeAll(async () => {
    kw = await startOne({ KEYWARD_PASSWORD_FAILURES_PER_CALLER: '1000', KEYWARD_PASSWORD_FAILURES_PER_TENANT: '2' });
    const t = await tenantWithAdmin(kw.call, kw.operatorToken, 'Tenants');
    tenantId = t.tenantId;
    admins = [t.admin, await addAdmin(kw, tenantId, 'b@tenants.test'), await addAdmin(kw, tenantId, 'c@tenants.test')];
    otherTenant = await tenantWithAdmin(kw.call, kw.operatorToken, 'Elsewhere');
  }, 60_000);
  afterAll(async () => {
    await kw?.close();
  });

  it("callers taking turns share the tenant's run of failures", async () => {
    expectCode(await upload(kw, tenantId, admins[0]!, 'w'), 400, 'BAD_PASSWORD');
    await failUntilEightSeconds(
      kw,
      [1, 2, 0, 1].map((i) => () => upload(kw, tenantId, admins[i]!, 'w')),
    );
    expectRateLimited(await upload(kw, tenantId, admins[2]!, 'w'), 7);
  });

  it('another tenant is not held back', async () => {
    expectCode(await upload(kw, otherTenant.tenantId, otherTenant.admin, 'w'), 400, 'BAD_PASSWORD');
  });

  it('a damaged file is no wrong password: it does not count', async () => {
    await advance(kw.call, kw.operatorToken, 9);
    for (let i = 0; i < 3; i++) {
      const damaged = await kw.call('POST', `/v1/tenants/${otherTenant.tenantId}/keys/upload`, {
        token: otherTenant.admin,
        body: { region: 'eu', name: 'Junk', format: 'pfx', file: 'AAAAAAAA', password: 'w', acknowledgeRisk: true },
      });
      expectCode(damaged, 400, 'INVALID_KEY_FILE');
    }
    expectCode(await upload(kw, otherTenant.tenantId, otherTenant.admin, 'w'), 400, 'BAD_PASSWORD');
  });
});
