// The key-file worker pool: the same answers as the pure readers, off the event loop, shared
// fairly between tenants, and a tenant's full queue answered RATE_LIMITED with a retryAfter.
// (How free the event loop stays meanwhile is measured by bench/hostile-load.bench.ts.)
import { afterAll, describe, expect, test } from 'vitest';
import { PooledKeyFileWork } from '../../src/adapters/key-files/pooled-key-file-work.js';
import { generatePfx, readPfx } from '../../src/crypto/key-files/index.js';
import { keywardErrorOf } from './expect-key-file-error.js';

const P = 'pool-Pa55word';
const now = new Date('2026-01-01T00:00:00Z');
const work = new PooledKeyFileWork({ threads: 2, queuePerTenant: 3, now: () => now });
afterAll(() => work.close());

describe('PooledKeyFileWork', () => {
  test('generates and reads a .pfx in a worker, with the same key and thumbprint as the pure reader', async () => {
    const made = await work.generatePfx('ten_a', { keyName: 'k', tenantName: 't', password: P, now, iterations: 2048 });
    const pure = await readPfx(made.pfx, P);
    expect(made.thumbprint).toBe(pure.thumbprint);
    expect(made.privateKey.type).toBe('private');
    const read = await work.readPfx('ten_a', made.pfx, P);
    expect(read.thumbprint).toBe(pure.thumbprint);
    expect(read.privateKey.export({ format: 'jwk' })).toEqual(pure.privateKey.export({ format: 'jwk' }));
    expect(await work.provePfx('ten_a', made.pfx, P)).toEqual({ thumbprint: pure.thumbprint });
  });

  test('errors cross as the readers raise them', async () => {
    const made = await generatePfx({ keyName: 'k', tenantName: 't', password: P, now, iterations: 2048 });
    const wrong = await keywardErrorOf(() => work.readPfx('ten_a', made.pfx, 'wrong-password'));
    expect([wrong.code, wrong.detail]).toEqual(['BAD_PASSWORD', 'The password does not open this .pfx file.']);
    expect((await keywardErrorOf(() => work.provePfx('ten_a', Buffer.from('not a pfx'), P))).code).toBe('INVALID_KEY_FILE');
    expect((await keywardErrorOf(() => work.generatePfx('ten_a', { keyName: 'k', tenantName: 't', password: '', now }))).code).toBe(
      'VALIDATION_FAILED',
    );
  });

  test('issues key-exchange keys', async () => {
    const kek = await work.issueKeyExchangeKey({ tenantId: 'ten_a', region: 'eu', now, keySize: 2048 });
    expect(kek.kid).toMatch(/^kek-[0-9a-f]{64}$/);
    expect(kek.privateKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
    expect(kek.expiresAt.getTime()).toBeGreaterThan(now.getTime());
  });

  test('a full tenant queue answers RATE_LIMITED with a retryAfter; other tenants still get through', { timeout: 60_000 }, async () => {
    const made = await generatePfx({ keyName: 'k', tenantName: 't', password: P, now, iterations: 200_000 });
    const flood = Array.from({ length: 3 }, () => work.readPfx('ten_flood', made.pfx, P));
    expect(work.pendingOf('ten_flood')).toBe(3);
    const refused = await keywardErrorOf(() => work.readPfx('ten_flood', made.pfx, P));
    expect(refused.code).toBe('RATE_LIMITED');
    expect(refused.retryAfter!.getTime()).toBeGreaterThan(now.getTime());
    const other = work.readPfx('ten_quiet', made.pfx, P);
    await expect(other).resolves.toMatchObject({ keySize: 2048 });
    await Promise.all(flood);
    expect(work.pendingOf('ten_flood')).toBe(0);
  });
});
