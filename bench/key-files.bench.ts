// Key files: what generating and reading cost, as ratios to a raw RSA-2048 key generation
// (node:crypto generateKeyPair) measured in the same run, so figures from different machines
// compare. The 600,000-iteration rows are the production cost; the 1-iteration row is the cost
// of everything else (key generation, certificate, packaging).
import { constants, createCipheriv, createPublicKey, publicEncrypt, randomBytes } from 'node:crypto';
import { generatePfx, issueKeyExchangeKey, readByok, readPfx, DEFAULT_PFX_ITERATIONS, kekRecordOf } from '../src/crypto/key-files/index.js';
import { pkcs12Kdf } from '../src/crypto/key-files/forge-bridge.js';
import { generateRsaKeyPair } from '../src/crypto/key-files/rsa-key-pair.js';

interface Rate {
  name: string;
  opsPerSecond: number;
  msPerOp: number;
}

/** Runs `op` one at a time until both `minRuns` and `minMs` are reached. */
async function measure(name: string, op: () => unknown, minRuns: number, minMs: number): Promise<Rate> {
  await op(); // warm-up: module loading, JIT
  let runs = 0;
  const started = performance.now();
  while (runs < minRuns || performance.now() - started < minMs) {
    await op();
    runs += 1;
  }
  const elapsed = performance.now() - started;
  return { name, opsPerSecond: (runs * 1000) / elapsed, msPerOp: elapsed / runs };
}

function print(rate: Rate, baseline: Rate): void {
  const ratio = rate.opsPerSecond / baseline.opsPerSecond;
  console.log(
    `${rate.name.padEnd(44)} ${rate.opsPerSecond.toFixed(2).padStart(9)} ops/s ${rate.msPerOp.toFixed(1).padStart(9)} ms/op ` +
      `${ratio.toFixed(3).padStart(8)}× raw RSA-2048 keygen`,
  );
}

export async function run(): Promise<void> {
  const now = new Date('2026-01-01T00:00:00Z');
  const password = 'bench-password';
  const base = { keyName: 'bench', tenantName: 'bench', password, now };

  const baseline = await measure('raw RSA-2048 keygen (node:crypto)', () => generateRsaKeyPair(2048), 20, 3000);
  const generate600k = await measure(`generatePfx RSA-2048, ${DEFAULT_PFX_ITERATIONS} iterations`, () => generatePfx(base), 4, 4000);
  const generate1 = await measure('generatePfx RSA-2048, 1 iteration', () => generatePfx({ ...base, iterations: 1 }), 20, 3000);

  const file600k = (await generatePfx(base)).pfx;
  const file2048 = (await generatePfx({ ...base, iterations: 2048 })).pfx;
  const read600k = await measure(`readPfx, ${DEFAULT_PFX_ITERATIONS} iterations (Keyward's own)`, () => readPfx(file600k, password), 4, 4000);
  const read2048 = await measure('readPfx, 2048 iterations (OpenSSL default)', () => readPfx(file2048, password), 50, 2000);

  const kek = await issueKeyExchangeKey({ tenantId: 't', region: 'r', now, keySize: 4096 });
  const target = await generateRsaKeyPair(2048);
  const aesKey = randomBytes(32);
  const head = publicEncrypt({ key: createPublicKey(kek.publicKeyPem), padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, aesKey);
  const kwp = createCipheriv('id-aes256-wrap-pad', aesKey, Buffer.from('A65959A6', 'hex'));
  const wrapped = Buffer.concat([kwp.update(target.privateKey.export({ type: 'pkcs8', format: 'der' })), kwp.final()]);
  const byok = JSON.stringify({
    schema_version: '1.0.0',
    header: { kid: kek.kid, alg: 'dir', enc: 'CKM_RSA_AES_KEY_WRAP' },
    ciphertext: Buffer.concat([head, wrapped]).toString('base64url'),
  });
  const input = {
    keks: new Map([[kek.kid, kekRecordOf({ privateKey: kek.privateKey, expiresAt: kek.expiresAt, tenantId: 't', region: 'r' })]]),
    tenantId: 't',
    region: 'r',
    now,
  };
  const readByokRate = await measure('readByok, RSA-2048 key under RSA-4096 KEK', () => readByok(byok, input), 100, 2000);

  // Where the 600,000 iterations go: the MAC key (forge, main thread) and one PBKDF2 (native).
  const macKdf = await measure(
    `  of which: PKCS#12 MAC KDF, forge, ${DEFAULT_PFX_ITERATIONS}`,
    () => pkcs12Kdf(password, randomBytes(16), 3, DEFAULT_PFX_ITERATIONS, 32, 'sha256'),
    3,
    2000,
  );

  for (const rate of [baseline, generate600k, generate1, read600k, read2048, readByokRate, macKdf]) print(rate, baseline);
  const iterationCost = generate600k.msPerOp - generate1.msPerOp;
  console.log(
    `${DEFAULT_PFX_ITERATIONS} iterations add ${iterationCost.toFixed(0)} ms to each generated .pfx ` +
      `(${(iterationCost / baseline.msPerOp).toFixed(1)}× a raw RSA-2048 keygen); ` +
      `${macKdf.msPerOp.toFixed(0)} ms of it is the MAC key derivation, synchronous on the main thread.`,
  );
}
