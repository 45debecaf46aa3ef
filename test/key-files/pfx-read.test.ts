// Reading .pfx files: every kind OpenSSL 3 writes, and every way a file can be unusable.
import { createPrivateKey, generateKeyPairSync, privateDecrypt, publicEncrypt, constants, type KeyObject } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { readPfx, MAX_PFX_BYTES } from '../../src/crypto/key-files/index.js';
import { explicitNode, oidNode, parseDer, sequenceNode } from '../../src/crypto/key-files/forge-bridge.js';
import { assemblePfx, certBag, shroudedKeyBag } from '../../src/crypto/key-files/pfx-assemble.js';
import { OID } from '../../src/crypto/key-files/pkcs12-oids.js';
import { parsePfx } from '../../src/crypto/key-files/pfx-structure.js';
import { expectKeyFileError } from './expect-key-file-error.js';
import { OpenSslWorkspace } from './openssl-workspace.js';

const ws = new OpenSslWorkspace();
const P = 'fixture-Pa55';
let rsaKey: string;
let rsaCert: string;
let rsaThumbprint: string;

beforeAll(() => {
  rsaKey = ws.rsaKey(2048);
  rsaCert = ws.selfSignedCert(rsaKey);
  rsaThumbprint = ws.thumbprintOfKeyFile(rsaKey);
});
afterAll(() => ws.dispose());

function pkcs8Of(key: KeyObject): Buffer {
  return key.export({ type: 'pkcs8', format: 'der' });
}

function keyBagNode(pkcs8: Buffer) {
  return sequenceNode([oidNode(OID.keyBag), explicitNode(0, parseDer(pkcs8))]);
}

function expectUsable(privateKey: KeyObject, publicKey: KeyObject): void {
  const secret = Buffer.from('a data encryption key, 32 bytes!');
  const options = { padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' };
  const wrapped = publicEncrypt({ key: publicKey, ...options }, secret);
  expect(privateDecrypt({ key: privateKey, ...options }, wrapped).equals(secret)).toBe(true);
}

describe('readPfx reads what OpenSSL 3 writes', () => {
  const kinds: [string, string[], boolean][] = [
    ['OpenSSL 3 default (PBES2/AES-256-CBC, SHA-256 MAC)', [], true],
    ['-legacy (RC2-40 certificates, 3DES key, SHA-1 MAC)', ['-legacy'], true],
    ['PBE-SHA1-3DES bags, SHA-1 MAC', ['-certpbe', 'PBE-SHA1-3DES', '-keypbe', 'PBE-SHA1-3DES', '-macalg', 'sha1'], true],
    ['-legacy with an RC2-40 key bag', ['-legacy', '-keypbe', 'PBE-SHA1-RC2-40'], true],
    ['key only (-nocerts)', [], false],
    ['PBES2 AES-128-CBC, SHA-512 MAC', ['-keypbe', 'aes-128-cbc', '-certpbe', 'aes-128-cbc', '-macalg', 'sha512'], true],
    ['PBES2 3DES-CBC', ['-keypbe', 'des-ede3-cbc', '-certpbe', 'des-ede3-cbc'], true],
    ['600,000 iterations', ['-iter', '600000'], true],
  ];
  test.each(kinds)('%s', async (_name, extra, withCert) => {
    const pfx = ws.exportPfx({ key: rsaKey, cert: withCert ? rsaCert : undefined, password: P, extra });
    const key = await readPfx(pfx, P);
    expect(key.thumbprint).toBe(rsaThumbprint);
    expect(key.keySize).toBe(2048);
    expect(key.privateKey.type).toBe('private');
    expect(key.publicKey.type).toBe('public');
    expectUsable(key.privateKey, key.publicKey);
  });

  test.each([3072, 4096])('RSA-%i', async (bits) => {
    const key = ws.rsaKey(bits);
    const read = await readPfx(ws.exportPfx({ key, password: P }), P);
    expect(read.keySize).toBe(bits);
    expect(read.thumbprint).toBe(ws.thumbprintOfKeyFile(key));
  });

  test('a plain key bag inside an encrypted content is accepted (the content is the protection)', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pfx = await assemblePfx([{ bags: [keyBagNode(pkcs8Of(privateKey))], encrypt: true }], P, 1);
    expect(ws.pfxExtract(pfx, P, ['-nocerts', '-nodes'])).toContain('PRIVATE KEY');
    expect((await readPfx(pfx, P)).keySize).toBe(2048);
  });
});

describe('readPfx refuses unusable files with a message that says why', () => {
  test('no password', async () => {
    const pfx = ws.exportPfx({ key: rsaKey, password: P });
    await expectKeyFileError(() => readPfx(pfx, ''), 'INVALID_KEY_FILE', /password is required/);
    await expectKeyFileError(() => readPfx(pfx, undefined), 'INVALID_KEY_FILE', /password is required/);
  });

  test('wrong password → BAD_PASSWORD (modern and legacy files)', async () => {
    for (const extra of [[], ['-legacy']]) {
      const pfx = ws.exportPfx({ key: rsaKey, cert: rsaCert, password: P, extra });
      await expectKeyFileError(() => readPfx(pfx, 'not-the-password'), 'BAD_PASSWORD', /password does not open/, ['not-the-password']);
    }
  });

  test('not a PKCS#12 file: random bytes, a DER certificate, PEM text, JSON, empty', async () => {
    const certDer = ws.run(['x509', '-in', rsaCert, '-outform', 'DER']).stdout;
    await expectKeyFileError(() => readPfx(Buffer.from('just some text, not a key file'), P), 'INVALID_KEY_FILE', /not a \.pfx \(PKCS#12\) file/);
    await expectKeyFileError(() => readPfx(certDer, P), 'INVALID_KEY_FILE', /not a \.pfx \(PKCS#12\) file/);
    await expectKeyFileError(() => readPfx(ws.read(rsaKey), P), 'INVALID_KEY_FILE', /PEM text/);
    await expectKeyFileError(() => readPfx(Buffer.from('{"schema_version":"1.0.0"}'), P), 'INVALID_KEY_FILE', /looks like JSON/);
    await expectKeyFileError(() => readPfx(Buffer.alloc(0), P), 'INVALID_KEY_FILE', /is empty/);
  });

  test('truncated', async () => {
    const pfx = ws.exportPfx({ key: rsaKey, cert: rsaCert, password: P });
    for (const length of [pfx.length - 1, Math.floor(pfx.length / 2), 40]) {
      await expectKeyFileError(() => readPfx(pfx.subarray(0, length), P), 'INVALID_KEY_FILE', /damaged or truncated/);
    }
  });

  test('altered: the MAC fails although the password opens the key → INVALID_KEY_FILE, not BAD_PASSWORD', async () => {
    const pfx = Buffer.from(ws.exportPfx({ key: rsaKey, cert: rsaCert, password: P }));
    const digest = parsePfx(pfx).mac?.digest;
    if (digest === undefined) throw new Error('fixture has no MAC');
    const at = pfx.indexOf(digest);
    pfx[at] = (pfx[at] ?? 0) ^ 0x01;
    await expectKeyFileError(() => readPfx(pfx, P), 'INVALID_KEY_FILE', /altered or damaged.*integrity check \(MAC\) fails/);
  });

  test('corrupt inside the encrypted key: the MAC fails, the key is recognisably there → INVALID_KEY_FILE (issue 13)', async () => {
    const pfx = Buffer.from(ws.exportPfx({ key: rsaKey, password: P, extra: ['-nocerts'] }));
    const structure = parsePfx(pfx);
    const content = structure.contents[0];
    const key = content?.kind === 'data' ? content.keys[0] : undefined;
    if (key?.kind !== 'shrouded') throw new Error('fixture layout changed');
    const at = pfx.indexOf(key.ciphertext) + key.ciphertext.length - 1;
    pfx[at] = (pfx[at] ?? 0) ^ 0xff;
    await expectKeyFileError(() => readPfx(pfx, P), 'INVALID_KEY_FILE', /altered or damaged/);
    await expectKeyFileError(() => readPfx(pfx, 'not-the-password'), 'BAD_PASSWORD', /password does not open/);
  });

  test('no integrity MAC (-nomac), and a key stored unencrypted (-keypbe NONE)', async () => {
    const noMac = ws.exportPfx({ key: rsaKey, cert: rsaCert, password: P, extra: ['-nomac'] });
    await expectKeyFileError(() => readPfx(noMac, P), 'INVALID_KEY_FILE', /no integrity MAC/);
    const plainKey = ws.exportPfx({ key: rsaKey, cert: rsaCert, password: P, extra: ['-keypbe', 'NONE'] });
    await expectKeyFileError(() => readPfx(plainKey, P), 'INVALID_KEY_FILE', /private key unencrypted/);
  });

  test('unsupported MAC and encryption algorithms', async () => {
    const md5 = ws.exportPfx({ key: rsaKey, password: P, extra: ['-macalg', 'md5'] });
    await expectKeyFileError(() => readPfx(md5, P), 'INVALID_KEY_FILE', /MAC uses MD5/);
    const camellia = ws.exportPfx({ key: rsaKey, password: P, extra: ['-keypbe', 'camellia-256-cbc'] });
    await expectKeyFileError(() => readPfx(camellia, P), 'INVALID_KEY_FILE', /protected with an algorithm that Keyward does not support/);
  });

  test('iteration counts over the cap are refused before any work', async () => {
    const tooMany = ws.exportPfx({ key: rsaKey, password: P, extra: ['-iter', '1000001'] });
    const started = performance.now();
    await expectKeyFileError(
      () => readPfx(tooMany, P),
      'INVALID_KEY_FILE',
      /1000001 key-derivation iterations; Keyward reads files with at most 1000000/,
    );
    expect(performance.now() - started).toBeLessThan(100);
    // Each count under the cap, but a SHA-512 MAC at 1M costs ~3 s of forge time in total.
    const tooCostly = ws.exportPfx({ key: rsaKey, password: P, extra: ['-iter', '1000000', '-macalg', 'sha512'] });
    await expectKeyFileError(() => readPfx(tooCostly, P), 'INVALID_KEY_FILE', /more key-derivation work than Keyward allows/);
  });

  test('no private key (-nokeys)', async () => {
    const certOnly = ws.exportPfx({ cert: rsaCert, password: P, extra: ['-nokeys'] });
    await expectKeyFileError(() => readPfx(certOnly, P), 'INVALID_KEY_FILE', /holds no private key/);
  });

  test('more than one key', async () => {
    const a = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const b = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const pfx = await assemblePfx([{ bags: [shroudedKeyBag(pkcs8Of(a), P, 1), shroudedKeyBag(pkcs8Of(b), P, 1)], encrypt: false }], P, 1);
    await expectKeyFileError(() => readPfx(pfx, P), 'INVALID_KEY_FILE', /holds 2 private keys; Keyward needs a file with exactly one/);
  });

  test.each([
    ['EC', ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'], /holds an EC key; Keyward needs an RSA key of 2048, 3072 or 4096 bits/],
    ['Ed25519', ['-algorithm', 'ED25519'], /holds an Ed25519 key/],
    ['RSA-PSS', ['-algorithm', 'RSA-PSS', '-pkeyopt', 'rsa_keygen_bits:2048'], /RSA-PSS key, which is restricted to signing/],
    [
      'RSA-1024',
      ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:1024'],
      /RSA key of 1024 bits; Keyward accepts RSA keys of 2048, 3072 or 4096 bits/,
    ],
  ] as const)('%s key', async (_name, genpkeyArgs, message) => {
    const key = ws.genpkey([...genpkeyArgs]);
    await expectKeyFileError(() => readPfx(ws.exportPfx({ key, password: P }), P), 'INVALID_KEY_FILE', message);
  });

  test('DSA key', async () => {
    const params = ws.fresh('.pem');
    ws.run(['genpkey', '-genparam', '-algorithm', 'DSA', '-pkeyopt', 'dsa_paramgen_bits:2048', '-out', params]);
    const key = ws.genpkey(['-paramfile', params]);
    await expectKeyFileError(() => readPfx(ws.exportPfx({ key, password: P }), P), 'INVALID_KEY_FILE', /holds a DSA key/);
  });

  test('an RSA key whose halves do not match', async () => {
    const a = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
    const b = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
    const spliced = createPrivateKey({ key: { ...a, n: b.n }, format: 'jwk' });
    const pfx = await assemblePfx([{ bags: [shroudedKeyBag(pkcs8Of(spliced), P, 1)], encrypt: false }], P, 1);
    await expectKeyFileError(() => readPfx(pfx, P), 'INVALID_KEY_FILE', /inconsistent RSA key/);
  });

  test('larger than the size cap, checked before parsing', async () => {
    const huge = Buffer.alloc(MAX_PFX_BYTES + 1, 0x30);
    await expectKeyFileError(() => readPfx(huge, P), 'INVALID_KEY_FILE', /larger than 64 KiB/);
  });

  test('a certificate bag alone does not make a key, and extra certificates are fine', async () => {
    const other = ws.selfSignedCert(ws.rsaKey(2048), '/CN=other');
    const certDer = ws.run(['x509', '-in', other, '-outform', 'DER']).stdout;
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pfx = await assemblePfx(
      [
        { bags: [certBag(certDer), certBag(certDer)], encrypt: true },
        { bags: [shroudedKeyBag(pkcs8Of(privateKey), P, 1)], encrypt: false },
      ],
      P,
      1,
    );
    expect((await readPfx(pfx, P)).keySize).toBe(2048);
  });
});
