import { createHmac, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { deriveEngineKey, ENGINE_KEY_BYTES, ENGINE_KEY_PURPOSE, MAX_ENGINE_KEY_NUMBER } from './engine-keys.js';

/** RFC 5869 written out with HMAC, as an independent referee for node's hkdfSync. */
function referenceHkdf(ikm: Buffer, salt: Buffer, info: Buffer, length: number): Buffer {
  const prk = createHmac('sha256', salt).update(ikm).digest();
  const blocks: Buffer[] = [];
  let previous = Buffer.alloc(0);
  for (let i = 1; Buffer.concat(blocks).length < length; i++) {
    previous = createHmac('sha256', prk)
      .update(Buffer.concat([previous, info, Buffer.from([i])]))
      .digest();
    blocks.push(previous);
  }
  return Buffer.concat(blocks).subarray(0, length);
}

const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};

describe('engine keys derived from the DEK', () => {
  const dek = randomBytes(32);
  const base = { environmentId: 'env_0123456789abcdef', keyId: 1, version: 1 };

  it('the referee reproduces RFC 5869 test case 1', () => {
    const okm = referenceHkdf(
      Buffer.from('0b'.repeat(22), 'hex'),
      Buffer.from('000102030405060708090a0b0c', 'hex'),
      Buffer.from('f0f1f2f3f4f5f6f7f8f9', 'hex'),
      42,
    );
    expect(okm.toString('hex')).toBe('3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865');
  });

  it('is HKDF-SHA256 over the DEK with the documented salt and context', () => {
    const info = Buffer.concat([Buffer.from(ENGINE_KEY_PURPOSE), Buffer.from([0]), u32(7), u32(3), Buffer.from(base.environmentId)]);
    const expected = referenceHkdf(dek, Buffer.from('keyward engine keys'), info, 32);
    expect(deriveEngineKey(dek, { ...base, keyId: 7, version: 3 }).equals(expected)).toBe(true);
  });

  it('gives 32 bytes, the same ones every time, and leaves the DEK as it was', () => {
    const before = Buffer.from(dek);
    const a = deriveEngineKey(dek, base);
    const b = deriveEngineKey(Buffer.from(dek), base);
    expect(a.length).toBe(ENGINE_KEY_BYTES);
    expect(a.equals(b)).toBe(true);
    expect(dek.equals(before)).toBe(true);
    expect(a.equals(dek)).toBe(false);
  });

  it('gives different keys for different environments, key ids, versions or DEKs', () => {
    const seen = new Set<string>();
    const hex = (k: Buffer) => k.toString('hex');
    seen.add(hex(deriveEngineKey(dek, base)));
    seen.add(hex(deriveEngineKey(dek, { ...base, environmentId: 'env_other' })));
    seen.add(hex(deriveEngineKey(dek, { ...base, keyId: 2 })));
    seen.add(hex(deriveEngineKey(dek, { ...base, version: 2 })));
    seen.add(hex(deriveEngineKey(randomBytes(32), base)));
    expect(seen.size).toBe(5);
  });

  it('no two contexts collide (the fixed-width numbers and the trailing id cannot be confused)', () => {
    const context = fc.record({
      environmentId: fc.stringMatching(/^[A-Za-z0-9_-]{1,20}$/),
      keyId: fc.integer({ min: 1, max: MAX_ENGINE_KEY_NUMBER }),
      version: fc.integer({ min: 1, max: MAX_ENGINE_KEY_NUMBER }),
    });
    fc.assert(
      fc.property(context, context, (a, b) => {
        const same = a.environmentId === b.environmentId && a.keyId === b.keyId && a.version === b.version;
        expect(deriveEngineKey(dek, a).equals(deriveEngineKey(dek, b))).toBe(same);
      }),
      { numRuns: 300 },
    );
  });

  it('refuses a DEK of another length and key numbers MariaDB cannot mean', () => {
    expect(() => deriveEngineKey(randomBytes(16), base)).toThrow(/256 bits/);
    for (const keyId of [0, -1, 1.5, 0xffff_ffff, Number.NaN]) expect(() => deriveEngineKey(dek, { ...base, keyId })).toThrow(/key id/);
    for (const version of [0, 0xffff_ffff]) expect(() => deriveEngineKey(dek, { ...base, version })).toThrow(/version/);
    for (const environmentId of ['', 'env/../x', 'env\u0000x', 'é'])
      expect(() => deriveEngineKey(dek, { ...base, environmentId })).toThrow(/environment id/);
  });
});
