// Issue 13, finding 11: a single bit flipped inside a .pfx's shrouded key bag, read with the
// right password, is a damaged file (INVALID_KEY_FILE), never "wrong password" (BAD_PASSWORD):
// telling a user who typed the right password that it is wrong sends them hunting for another.
import { afterAll, describe, expect, test } from 'vitest';
import { generatePfx, readPfx } from '../../src/crypto/key-files/index.js';
import { isKeywardError } from '../../src/domain/errors.js';
import { OpenSslWorkspace } from './openssl-workspace.js';

const P = 'the-right-Pa55';
/** DER of the pkcs8ShroudedKeyBag OID (1.2.840.113549.1.12.10.1.2). */
const SHROUDED_BAG_OID = Buffer.from('060b2a864886f70d010c0a0102', 'hex');

const ws = new OpenSslWorkspace();
afterAll(() => ws.dispose());

/** Start and length of the SafeBag (SEQUENCE with a two-byte long-form length) holding the key. */
function shroudedBagOf(pfx: Buffer): { start: number; length: number } {
  const oidAt = pfx.indexOf(SHROUDED_BAG_OID);
  expect(oidAt).toBeGreaterThan(4);
  const start = oidAt - 4;
  expect(pfx.subarray(start, start + 2)).toEqual(Buffer.from([0x30, 0x82]));
  return { start, length: pfx.readUInt16BE(start + 2) + 4 };
}

async function codeOf(file: Buffer, password: string): Promise<string> {
  try {
    await readPfx(file, password);
    return 'opened';
  } catch (error) {
    return isKeywardError(error) ? `${error.code}${/altered or damaged/.test(error.detail) ? ' (altered)' : ''}` : 'thrown';
  }
}

/** Every `stride`-th byte of the bag, every bit of it, flipped on its own. */
async function flipsOf(pfx: Buffer, stride: number, password: string): Promise<Record<string, number>> {
  const { start, length } = shroudedBagOf(pfx);
  const counts: Record<string, number> = {};
  for (let at = start; at < start + length; at += stride) {
    for (let bit = 0; bit < 8; bit++) {
      const flipped = Buffer.from(pfx);
      flipped[at] = (flipped[at] ?? 0) ^ (1 << bit);
      const code = await codeOf(flipped, password);
      counts[code] = (counts[code] ?? 0) + 1;
    }
  }
  return counts;
}

describe('bit flips in the shrouded key bag', () => {
  test('a Keyward .pfx: every bit of the bag, right password → INVALID_KEY_FILE', { timeout: 120_000 }, async () => {
    const { pfx } = await generatePfx({ keyName: 'flips', tenantName: 'flips', password: P, now: new Date(0), iterations: 1 });
    const counts = await flipsOf(pfx, 1, P);
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThan(8000);
    expect(
      Object.keys(counts).every((code) => code.startsWith('INVALID_KEY_FILE')),
      JSON.stringify(counts),
    ).toBe(true);
  });

  test('an OpenSSL 3 .pfx (key and certificate): right password → INVALID_KEY_FILE', { timeout: 120_000 }, async () => {
    const key = ws.rsaKey(2048);
    const pfx = ws.exportPfx({ key, cert: ws.selfSignedCert(key), password: P, extra: ['-iter', '1'] });
    const counts = await flipsOf(pfx, 3, P);
    expect(
      Object.keys(counts).every((code) => code.startsWith('INVALID_KEY_FILE')),
      JSON.stringify(counts),
    ).toBe(true);
  });

  test('the same flips with a wrong password stay BAD_PASSWORD (or a structural refusal), never "altered"', { timeout: 120_000 }, async () => {
    const { pfx } = await generatePfx({ keyName: 'flips', tenantName: 'flips', password: P, now: new Date(0), iterations: 1 });
    const counts = await flipsOf(pfx, 7, 'a-wrong-Pa55');
    expect(counts['BAD_PASSWORD'] ?? 0).toBeGreaterThan(100);
    expect(Object.keys(counts).filter((code) => code !== 'BAD_PASSWORD' && code !== 'INVALID_KEY_FILE')).toEqual([]);
  });
});
