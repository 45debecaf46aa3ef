// Key-exchange keys and .byok files, with a .byok made by the OpenSSL recipe as the referee.
import { createPublicKey } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  issueKeyExchangeKey,
  MAX_BYOK_BYTES,
  kekRecordOf,
  readByok,
  type KekRecord,
  type KeyExchangeKey,
  type ReadByokInput,
} from '../../src/crypto/key-files/index.js';
import { byokJson, opensslBase64Url, opensslByok, opensslByokCiphertext } from './byok-fixtures.js';
import { expectKeyFileError } from './expect-key-file-error.js';
import { OpenSslWorkspace } from './openssl-workspace.js';

const ws = new OpenSslWorkspace();
const now = new Date('2026-05-06T07:08:09.000Z');
let kek: KeyExchangeKey;
let otherKek: KeyExchangeKey;
let target: string;
let targetThumbprint: string;
let input: ReadByokInput;

function record(k: KeyExchangeKey, overrides: Partial<KekRecord> = {}): KekRecord {
  return { ...kekRecordOf(k), ...overrides };
}

beforeAll(async () => {
  kek = await issueKeyExchangeKey({ tenantId: 'tenant-a', region: 'eu-west', now, keySize: 2048 });
  otherKek = await issueKeyExchangeKey({ tenantId: 'tenant-a', region: 'eu-west', now, keySize: 2048 });
  target = ws.rsaKey(2048);
  targetThumbprint = ws.thumbprintOfKeyFile(target);
  input = {
    keks: new Map([
      [kek.kid, record(kek)],
      [otherKek.kid, record(otherKek)],
    ]),
    tenantId: 'tenant-a',
    region: 'eu-west',
    now,
  };
});
afterAll(() => ws.dispose());

describe('issueKeyExchangeKey', () => {
  test('RSA-4096 by default, kid from its thumbprint, expiry from now + validity', async () => {
    const issued = await issueKeyExchangeKey({ tenantId: 't', region: 'r', now });
    expect(issued.keySize).toBe(4096);
    expect(issued.privateKey.asymmetricKeyDetails?.modulusLength).toBe(4096);
    expect(issued.kid).toMatch(/^kek-[0-9a-f]{64}$/);
    expect(issued.expiresAt.toISOString()).toBe('2026-06-05T07:08:09.000Z');
    const fromPem = createPublicKey(issued.publicKeyPem).export({ type: 'spki', format: 'der' });
    expect(fromPem.equals(createPublicKey(issued.privateKey).export({ type: 'spki', format: 'der' }))).toBe(true);
    expect(issued).toMatchObject({ tenantId: 't', region: 'r' });
  });

  test('custom validity; refuses unusable input', async () => {
    const issued = await issueKeyExchangeKey({ tenantId: 't', region: 'r', now, keySize: 2048, validityMs: 60_000 });
    expect(issued.expiresAt.getTime()).toBe(now.getTime() + 60_000);
    await expectKeyFileError(() => issueKeyExchangeKey({ tenantId: 't', region: 'r', now, validityMs: 0 }), 'VALIDATION_FAILED', /validity/);
    await expectKeyFileError(() => issueKeyExchangeKey({ tenantId: 't', region: 'r', now, keySize: 1024 as 2048 }), 'VALIDATION_FAILED', /size/);
  });
});

describe('readByok round-trips the OpenSSL recipe', () => {
  test.each([
    ['AES-256, unpadded base64url', 32, false],
    ['AES-256, padded base64url', 32, true],
    ['AES-128', 16, false],
    ['AES-192', 24, false],
  ] as const)('%s', async (_name, aesBytes, padded) => {
    const file = opensslByok(ws, { targetKey: target, kekPublicPem: kek.publicKeyPem, kid: kek.kid, aesBytes, padded });
    const key = await readByok(file, input);
    expect(key.thumbprint).toBe(targetThumbprint);
    expect(key.keySize).toBe(2048);
    // Bytes and text give the same result.
    expect((await readByok(Buffer.from(file), input)).thumbprint).toBe(targetThumbprint);
  });

  test('an RSA-4096 tenant key under an RSA-4096 KEK', async () => {
    const big = await issueKeyExchangeKey({ tenantId: 'tenant-a', region: 'eu-west', now, keySize: 4096 });
    const bigTarget = ws.rsaKey(4096);
    const file = opensslByok(ws, { targetKey: bigTarget, kekPublicPem: big.publicKeyPem, kid: big.kid });
    const key = await readByok(file, { ...input, keks: new Map([[big.kid, record(big)]]) });
    expect(key.keySize).toBe(4096);
    expect(key.thumbprint).toBe(ws.thumbprintOfKeyFile(bigTarget));
  });
});

describe('readByok refuses unusable files with a message that says why', () => {
  let ciphertext: Buffer;
  beforeAll(() => {
    ciphertext = opensslByokCiphertext(ws, { targetKey: target, kekPublicPem: kek.publicKeyPem, kid: kek.kid });
  });
  const valid = () => byokJson(kek.kid, ciphertext.toString('base64url'));

  test('empty, too large, not UTF-8, not JSON, not an object', async () => {
    await expectKeyFileError(() => readByok('', input), 'INVALID_KEY_FILE', /is empty/);
    await expectKeyFileError(() => readByok(' '.repeat(MAX_BYOK_BYTES + 1), input), 'INVALID_KEY_FILE', /larger than 32 KiB/);
    await expectKeyFileError(() => readByok(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), input), 'INVALID_KEY_FILE', /not UTF-8/);
    await expectKeyFileError(() => readByok('this is not json', input), 'INVALID_KEY_FILE', /is not JSON/);
    await expectKeyFileError(() => readByok('[1,2]', input), 'INVALID_KEY_FILE', /must be a JSON object/);
  });

  test('schema, header, alg, enc', async () => {
    const ct = ciphertext.toString('base64url');
    await expectKeyFileError(
      () => readByok(JSON.stringify({ schema_version: '2.0.0', header: {}, ciphertext: ct }), input),
      'INVALID_KEY_FILE',
      /unsupported schema_version/,
    );
    await expectKeyFileError(
      () => readByok(JSON.stringify({ schema_version: '1.0.0', ciphertext: ct }), input),
      'INVALID_KEY_FILE',
      /no header object/,
    );
    await expectKeyFileError(() => readByok(byokJson(kek.kid, ct, { kid: 42 }), input), 'INVALID_KEY_FILE', /header\.kid/);
    await expectKeyFileError(
      () => readByok(byokJson(kek.kid, ct, { alg: 'RSA-OAEP-256' }), input),
      'INVALID_KEY_FILE',
      /header\.alg other than "dir"/,
    );
    await expectKeyFileError(
      () => readByok(byokJson(kek.kid, ct, { enc: 'A256GCM' }), input),
      'INVALID_KEY_FILE',
      /header\.enc other than "CKM_RSA_AES_KEY_WRAP"/,
    );
  });

  test('bad base64url (standard alphabet, junk, impossible length)', async () => {
    const standard = ciphertext.toString('base64');
    const withStd = standard.includes('+') || standard.includes('/') ? standard : `${standard.slice(0, 10)}+${standard.slice(11)}`;
    for (const text of [withStd, `${ciphertext.toString('base64url')}*`, 'abcde', 'ab=c']) {
      await expectKeyFileError(() => readByok(byokJson(kek.kid, text), input), 'INVALID_KEY_FILE', /not base64url/);
    }
  });

  test('unknown kid, and a KEK of another tenant or region reads as unknown', async () => {
    await expectKeyFileError(
      () => readByok(byokJson('kek-unknown', ciphertext.toString('base64url')), input),
      'INVALID_KEY_FILE',
      /\(kek-unknown\) that Keyward did not issue to this tenant in this region/,
    );
    await expectKeyFileError(() => readByok(byokJson('__proto__', ciphertext.toString('base64url')), input), 'INVALID_KEY_FILE', /did not issue/);
    for (const overrides of [{ tenantId: 'tenant-b' }, { region: 'us-east' }]) {
      const keks = new Map([[kek.kid, record(kek, overrides)]]);
      await expectKeyFileError(() => readByok(valid(), { ...input, keks }), 'INVALID_KEY_FILE', /did not issue to this tenant in this region/);
    }
  });

  test('expired KEK', async () => {
    const keks = new Map([[kek.kid, record(kek, { expiresAt: now })]]);
    await expectKeyFileError(
      () => readByok(valid(), { ...input, keks }),
      'INVALID_KEY_FILE',
      /key-exchange key that expired at 2026-05-06T07:08:09.000Z/,
    );
  });

  test('wrapped for another KEK', async () => {
    const forOther = opensslByokCiphertext(ws, { targetKey: target, kekPublicPem: otherKek.publicKeyPem, kid: kek.kid });
    await expectKeyFileError(
      () => readByok(byokJson(kek.kid, forOther.toString('base64url')), input),
      'INVALID_KEY_FILE',
      /cannot be unwrapped.*another key-exchange key, or it has been altered/,
    );
  });

  test('tampered ciphertext (RSA part and AES-KWP part)', async () => {
    for (const at of [10, 256 + 20, ciphertext.length - 1]) {
      const tampered = Buffer.from(ciphertext);
      tampered[at] = (tampered[at] ?? 0) ^ 0x40;
      await expectKeyFileError(() => readByok(byokJson(kek.kid, tampered.toString('base64url')), input), 'INVALID_KEY_FILE', /cannot be unwrapped/);
    }
  });

  test('truncated ciphertext', async () => {
    for (const length of [ciphertext.length - 3, 256 + 8, 100]) {
      await expectKeyFileError(
        () => readByok(byokJson(kek.kid, ciphertext.subarray(0, length).toString('base64url')), input),
        'INVALID_KEY_FILE',
        /wrong length/,
      );
    }
  });

  test('the wrapped key is not an accepted RSA key', async () => {
    const ec = ws.genpkey(['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256']);
    const small = ws.rsaKey(1024);
    await expectKeyFileError(
      () => readByok(opensslByok(ws, { targetKey: ec, kekPublicPem: kek.publicKeyPem, kid: kek.kid }), input),
      'INVALID_KEY_FILE',
      /\.byok file holds an EC key/,
    );
    await expectKeyFileError(
      () => readByok(opensslByok(ws, { targetKey: small, kekPublicPem: kek.publicKeyPem, kid: kek.kid }), input),
      'INVALID_KEY_FILE',
      /RSA key of 1024 bits/,
    );
  });

  test('messages quote no ciphertext', async () => {
    const ct = ciphertext.toString('base64url');
    const error = await expectKeyFileError(() => readByok(byokJson(otherKek.kid, ct), input), 'INVALID_KEY_FILE', /cannot be unwrapped/);
    expect(error.message).not.toContain(ct.slice(0, 16));
  });

  test("the recipe's base64url is the alphabet Node decodes", () => {
    expect(opensslBase64Url(ws, Buffer.from([0xfb, 0xff]))).toBe('-_8');
    expect(opensslBase64Url(ws, Buffer.from([0xfb, 0xff]), true)).toBe('-_8=');
  });
});
