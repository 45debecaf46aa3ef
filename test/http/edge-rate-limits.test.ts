// Issue 13, finding 2 at the edge (SPEC F2): requests with unknown tokens are limited per client
// address, and all requests have a per-address ceiling; each refusal is 429 RATE_LIMITED with
// Retry-After and retryAfter, and /healthz always answers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectCode, expectStatus } from '../support/api.js';
import type { Answer } from '../support/server.js';
import { startOne, type InProcessKeyward } from '../support/in-process.js';

const from = (address: string) => ({ 'x-test-remote-address': address });

function expectRateLimited(answer: Answer): void {
  expectCode(answer, 429, 'RATE_LIMITED');
  expect(Number(answer.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  expect(Number(answer.headers.get('retry-after'))).toBeLessThanOrEqual(60);
  expect(Date.parse(answer.body.retryAfter)).toBeGreaterThan(Date.now());
}

describe('bad tokens per client address', () => {
  let kw: InProcessKeyward;
  beforeAll(async () => {
    kw = await startOne({ KEYWARD_BAD_TOKENS_PER_MINUTE: '10' });
  });
  afterAll(async () => {
    await kw?.close();
  });

  it('ten unknown tokens are 401; from then on the address is refused with 429 for the rest of the minute', async () => {
    for (let i = 0; i < 10; i++) {
      expectCode(
        await kw.call('GET', '/v1/tenants/ten_x', { token: `guess-${i}-abcdefghijklmnop`, headers: from('203.0.113.7') }),
        401,
        'UNAUTHENTICATED',
      );
    }
    expectRateLimited(await kw.call('GET', '/v1/tenants/ten_x', { token: 'guess-10-abcdefghijklmnop', headers: from('203.0.113.7') }));
    expectRateLimited(await kw.call('GET', '/v1/tenants/ten_x', { headers: from('203.0.113.7') }));
    // Guessing is stopped before the guess is looked at: even the right token waits.
    expectRateLimited(await kw.call('GET', '/metrics', { token: kw.operatorToken, headers: from('203.0.113.7') }));
    expectStatus(await kw.call('GET', '/healthz', { headers: from('203.0.113.7') }), 200);
  });

  it('other addresses are not held back', async () => {
    expectStatus(await kw.call('GET', '/metrics', { token: kw.operatorToken, headers: from('198.51.100.2') }), 200);
    expectCode(await kw.call('GET', '/v1/tenants/ten_x', { token: 'another-guess-abcdefgh', headers: from('198.51.100.2') }), 401, 'UNAUTHENTICATED');
  });
});

describe('a ceiling per client address', () => {
  let kw: InProcessKeyward;
  beforeAll(async () => {
    kw = await startOne({ KEYWARD_RATE_LIMIT_PER_MINUTE: '25' });
  });
  afterAll(async () => {
    await kw?.close();
  });

  it('past it every request is 429 until the minute is over; /healthz still answers', async () => {
    for (let i = 0; i < 25; i++) expectStatus(await kw.call('GET', '/metrics', { token: kw.operatorToken, headers: from('192.0.2.9') }), 200);
    expectRateLimited(await kw.call('GET', '/metrics', { token: kw.operatorToken, headers: from('192.0.2.9') }));
    expectRateLimited(await kw.call('POST', '/v1/tenants', { token: kw.operatorToken, headers: from('192.0.2.9'), body: {} }));
    expectStatus(await kw.call('GET', '/healthz', { headers: from('192.0.2.9') }), 200);
    expectStatus(await kw.call('GET', '/metrics', { token: kw.operatorToken, headers: from('192.0.2.10') }), 200);
  });
});
