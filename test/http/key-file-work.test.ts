// Issue 13, finding 1 (SPEC F1): a 600,000-iteration .pfx read with a wrong password costs over
// a second of key derivation, which runs on a worker thread: the event loop stays free for
// everyone else all that time. (bench/hostile-load.bench.ts measures what others wait.)
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatePfx } from '../../src/crypto/key-files/index.js';
import { expectCode } from '../support/api.js';
import { startOne, tenantWithAdmin, type InProcessKeyward } from '../support/in-process.js';

let kw: InProcessKeyward;
let tenantId: string;
let admin: string;
let pfx: string;

beforeAll(async () => {
  kw = await startOne();
  ({ tenantId, admin } = await tenantWithAdmin(kw.call, kw.operatorToken, 'Busy'));
  pfx = (await generatePfx({ keyName: 'k', tenantName: 't', password: 'right-Pa55', now: new Date() })).pfx.toString('base64');
}, 60_000);
afterAll(async () => {
  await kw?.close();
});

describe('key-file work off the event loop', () => {
  it('a wrong-password upload of a 600,000-iteration .pfx leaves the event loop idle while it is derived', { timeout: 60_000 }, async () => {
    // Warm the worker up first: its first task also loads the module.
    expectCode(await kw.call('POST', `/v1/tenants/${tenantId}/keys/upload`, { token: admin, body: upload('warm') }), 400, 'BAD_PASSWORD');
    const before = performance.eventLoopUtilization();
    expectCode(await kw.call('POST', `/v1/tenants/${tenantId}/keys/upload`, { token: admin, body: upload('slow') }), 400, 'BAD_PASSWORD');
    const busy = performance.eventLoopUtilization(before);
    // The share of the upload's time the event loop spent running code rather than waiting: the
    // key derivation (over a second of CPU) on the loop itself makes it most of it (~0.7 and up).
    expect(busy.utilization).toBeLessThan(0.3);
  });
});

function upload(name: string) {
  return { region: 'eu', name, format: 'pfx', file: pfx, password: 'wrong-password', acknowledgeRisk: true };
}
