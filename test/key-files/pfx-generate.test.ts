// Generated .pfx files, with OpenSSL 3 (no -legacy) as the referee.
import { X509Certificate } from 'node:crypto';
import { afterAll, describe, expect, test } from 'vitest';
import { generatePfx, readPfx } from '../../src/crypto/key-files/index.js';
import { expectKeyFileError } from './expect-key-file-error.js';
import { OpenSslWorkspace, spkiSha256 } from './openssl-workspace.js';

const ws = new OpenSslWorkspace();
afterAll(() => ws.dispose());

const now = new Date('2026-03-04T05:06:07.000Z');
const password = 'correct horse battery staple';

function containsBytes(haystack: Buffer, needle: Buffer): boolean {
  return haystack.indexOf(needle) !== -1;
}

describe('generatePfx', () => {
  test('at the default 600,000 iterations: OpenSSL 3 opens it without -legacy and finds the same key', async () => {
    const started = performance.now();
    const generated = await generatePfx({ keyName: 'payroll-2026', tenantName: 'Contoso Ltd', password, now });
    const generateMs = performance.now() - started;
    console.log(`generatePfx RSA-2048 at 600,000 iterations: ${generateMs.toFixed(0)} ms`);
    expect(generated.keySize).toBe(2048);
    expect(generated.thumbprint).toMatch(/^[0-9a-f]{64}$/);

    const info = ws.pfxInfo(generated.pfx, password);
    expect(info).toContain('MAC: sha256, Iteration 600000');
    expect(info).toMatch(/Shrouded Keybag: PBES2, PBKDF2, AES-256-CBC, Iteration 600000, PRF hmacWithSHA256/);
    expect(info).toMatch(/PKCS7 Encrypted data: PBES2, PBKDF2, AES-256-CBC, Iteration 600000, PRF hmacWithSHA256/);

    const keyPem = ws.pfxExtract(generated.pfx, password, ['-nocerts', '-nodes']);
    expect(ws.thumbprintOfKeyPem(keyPem)).toBe(generated.thumbprint);

    const certPem = ws.pfxExtract(generated.pfx, password, ['-nokeys', '-clcerts']);
    const certFile = ws.write(ws.fresh('.pem'), certPem);
    const subject = ws.run(['x509', '-in', certFile, '-noout', '-subject', '-nameopt', 'RFC2253']).stdout.toString();
    expect(subject.trim()).toBe('subject=CN=payroll-2026,O=Contoso Ltd');
    const certificate = new X509Certificate(certPem);
    expect(new Date(certificate.validFrom).toISOString()).toBe(now.toISOString());
    expect(certificate.verify(generated.publicKey)).toBe(true);
    expect(spkiSha256(certificate.publicKey.export({ type: 'spki', format: 'pem' }).toString())).toBe(generated.thumbprint);
    expect(certificate.raw.equals(generated.certificate)).toBe(true);

    // Our own reader opens it too, to the same key.
    const read = await readPfx(generated.pfx, password);
    expect(read.thumbprint).toBe(generated.thumbprint);
    expect(read.keySize).toBe(2048);
  });

  test('the password is not written anywhere in the file (UTF-8, UTF-16BE, UTF-16LE)', async () => {
    const generated = await generatePfx({ keyName: 'k', tenantName: 't', password, now, iterations: 1 });
    const utf16le = Buffer.from(password, 'utf16le');
    const utf16be = Buffer.from(utf16le).swap16();
    for (const encoding of [Buffer.from(password, 'utf8'), utf16le, utf16be]) {
      expect(containsBytes(generated.pfx, encoding)).toBe(false);
    }
  });

  test.each([3072, 4096] as const)('RSA-%i: OpenSSL finds the same key', async (keySize) => {
    const generated = await generatePfx({ keyName: `k${keySize}`, tenantName: 't', password, now, keySize, iterations: 2048 });
    expect(generated.keySize).toBe(keySize);
    expect(ws.pfxInfo(generated.pfx, password)).toContain('MAC: sha256, Iteration 2048');
    const keyPem = ws.pfxExtract(generated.pfx, password, ['-nocerts', '-nodes']);
    expect(ws.thumbprintOfKeyPem(keyPem)).toBe(generated.thumbprint);
    expect((await readPfx(generated.pfx, password)).keySize).toBe(keySize);
  });

  test('a non-ASCII password means the same to OpenSSL (UTF-8 for PBES2, UTF-16 for the MAC)', async () => {
    const unicode = 'Pässwörd-秘密-🔑';
    const generated = await generatePfx({ keyName: 'Schlüssel', tenantName: 'Müller GmbH', password: unicode, now, iterations: 2048 });
    const keyPem = ws.pfxExtract(generated.pfx, unicode, ['-nocerts', '-nodes']);
    expect(ws.thumbprintOfKeyPem(keyPem)).toBe(generated.thumbprint);
    const certPem = ws.pfxExtract(generated.pfx, unicode, ['-nokeys']);
    expect(new X509Certificate(certPem).subject).toContain('CN=Schlüssel');
  });

  test('refuses unusable input with VALIDATION_FAILED', async () => {
    const base = { keyName: 'k', tenantName: 't', password, now, iterations: 1 };
    await expectKeyFileError(() => generatePfx({ ...base, password: '' }), 'VALIDATION_FAILED', /password is required/);
    await expectKeyFileError(() => generatePfx({ ...base, iterations: 0 }), 'VALIDATION_FAILED', /iteration count/);
    await expectKeyFileError(() => generatePfx({ ...base, iterations: 1_000_001 }), 'VALIDATION_FAILED', /iteration count/);
    await expectKeyFileError(() => generatePfx({ ...base, keySize: 1024 as 2048 }), 'VALIDATION_FAILED', /key size/);
    await expectKeyFileError(() => generatePfx({ ...base, keyName: ' ' }), 'VALIDATION_FAILED', /must not be empty/);
    await expectKeyFileError(() => generatePfx({ ...base, now: new Date(Number.NaN) }), 'VALIDATION_FAILED', /valid date/);
  });
});
