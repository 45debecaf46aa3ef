// DEK unwraps per second under a tenant key (RSA-2048, OAEP), through each way Keyward can hold
// the private key, against raw node:crypto privateDecrypt with the same key in the same run:
//   - raw node:crypto: the key in memory as a KeyObject (the floor: no vault at all)
//   - software vault: opens the sealed PKCS#8 (AES-GCM under the master key), parses it, decrypts
//   - SoftHSM2 vault: find the key object, C_DecryptInit + C_Decrypt in the token, one at a time
//     and with 4 in flight (the vault's session pool and pkcs11js' worker threads let several
//     decryptions run at once, which raw privateDecrypt, being synchronous, cannot)
// and, smaller, provider-key unwraps (AES-256-GCM of a DEK) against raw node:crypto AES-GCM.
// Each hash is the one the vault advertises first (software: SHA-256; SoftHSM2 2.6: SHA-1); the
// ratio is against raw node:crypto with that same hash. Subjects run in interleaved slices and a
// ratio is the median over rounds of (subject slice rate / raw slice rate of the same round), so
// a noisy neighbour slows all alike. About 30 s.
import {
  constants,
  createCipheriv,
  createDecipheriv,
  createSecretKey,
  generateKeyPairSync,
  privateDecrypt,
  publicEncrypt,
  randomBytes,
} from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Pkcs11Vault } from '../src/adapters/vault/pkcs11/pkcs11-vault.js';
import { SoftwareVault } from '../src/adapters/vault/software-vault.js';
import { memoryVaultObjects } from '../test/support/memory-vault-objects.js';
import { unwrapDek, wrapDekWithProviderKey } from '../src/crypto/envelope.js';
import type { OaepHash, Vault } from '../src/ports/vault.js';
import { createSoftHsmToken, SOFTHSM_INSTALL_HINT, softHsmStatus, type SoftHsmToken } from '../test/support/softhsm.js';

const ROUNDS = 9;
const RSA_SLICE = 150;
const AES_SLICE = 2_000;
const IN_FLIGHT = 4;

interface Subject {
  name: string;
  hash: OaepHash | 'aes';
  /** Runs `n` unwraps, returns when all are done. */
  slice(n: number): Promise<void>;
  rates: number[];
  ratios: number[];
}

const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const dek = randomBytes(32);
const ciphertextFor = (hash: OaepHash) => publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: hash }, dek);

function check(plain: Buffer): void {
  if (!plain.equals(dek)) throw new Error('an unwrap gave back the wrong DEK');
}

function rawRsa(hash: OaepHash): Subject {
  const ciphertext = ciphertextFor(hash);
  return {
    name: `raw node:crypto (${hash})`,
    hash,
    slice: (n) => {
      for (let i = 0; i < n; i++) check(privateDecrypt({ key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: hash }, ciphertext));
      return Promise.resolve();
    },
    rates: [],
    ratios: [],
  };
}

function throughVault(name: string, vault: Vault, handle: string, inFlight: number): Subject {
  const hash = vault.oaepHashes[0]!;
  const ciphertext = ciphertextFor(hash);
  return {
    name,
    hash,
    async slice(n) {
      let next = 0;
      const worker = async () => {
        while (next < n) {
          next += 1;
          check(await vault.decryptWithPrivateKey(handle, ciphertext, hash));
        }
      };
      await Promise.all(Array.from({ length: inFlight }, worker));
    },
    rates: [],
    ratios: [],
  };
}

function rawAes(): Subject {
  const key = createSecretKey(randomBytes(32));
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(dek), cipher.final()]);
  const tag = cipher.getAuthTag();
  return {
    name: 'raw node:crypto AES-GCM',
    hash: 'aes',
    slice: (n) => {
      for (let i = 0; i < n; i++) {
        const d = createDecipheriv('aes-256-gcm', key, iv);
        d.setAuthTag(tag);
        check(Buffer.concat([d.update(body), d.final()]));
      }
      return Promise.resolve();
    },
    rates: [],
    ratios: [],
  };
}

async function providerUnwraps(name: string, vault: Vault, inFlight: number): Promise<Subject> {
  const wrapped = await wrapDekWithProviderKey(vault, dek, 'env_bench');
  const subject = throughVault(name, vault, 'unused', inFlight);
  subject.hash = 'aes';
  subject.slice = async (n) => {
    let next = 0;
    const worker = async () => {
      while (next < n) {
        next += 1;
        check(await unwrapDek(vault, wrapped, 'env_bench'));
      }
    };
    await Promise.all(Array.from({ length: inFlight }, worker));
  };
  return subject;
}

/** Interleaved rounds; each subject's ratio is against the baseline for its hash, same round. */
async function measure(subjects: Subject[], baselines: Map<string, Subject>, sliceSize: number): Promise<void> {
  for (const s of subjects) await s.slice(Math.ceil(sliceSize / 10)); // warm-up
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? subjects : [...subjects].reverse();
    for (const s of order) {
      const start = performance.now();
      await s.slice(sliceSize);
      s.rates.push((sliceSize / (performance.now() - start)) * 1000);
    }
    for (const s of subjects) s.ratios.push(s.rates[round]! / baselines.get(s.hash)!.rates[round]!);
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function print(title: string, subjects: Subject[]): void {
  console.log(`\n${title}`);
  console.log(`${'path'.padEnd(44)} ${'unwraps/s'.padStart(10)}  ratio to raw`);
  for (const s of subjects) console.log(`${s.name.padEnd(44)} ${median(s.rates).toFixed(0).padStart(10)}  ${median(s.ratios).toFixed(3)}`);
}

export async function run(): Promise<void> {
  const software = new SoftwareVault(randomBytes(32), memoryVaultObjects(), () => 'pk_bench');
  await software.init();
  await software.importPrivateKey('bench_software', privateKey);

  const rsaSubjects: Subject[] = [rawRsa('sha256'), rawRsa('sha1'), throughVault('software vault', software, 'bench_software', 1)];
  const aesSubjects: Subject[] = [rawAes(), await providerUnwraps('software vault provider key', software, 1)];

  let token: SoftHsmToken | undefined;
  let hsm: Pkcs11Vault | undefined;
  const status = softHsmStatus();
  if (status.available) {
    token = await createSoftHsmToken();
    hsm = new Pkcs11Vault({ modulePath: token.modulePath, tokenLabel: token.tokenLabel, pin: token.pin, poolSize: IN_FLIGHT });
    await hsm.init();
    await hsm.importPrivateKey('bench_hsm', privateKey);
    rsaSubjects.push(throughVault(`SoftHSM2 ${status.version} vault, 1 in flight`, hsm, 'bench_hsm', 1));
    rsaSubjects.push(throughVault(`SoftHSM2 ${status.version} vault, ${IN_FLIGHT} in flight`, hsm, 'bench_hsm', IN_FLIGHT));
    aesSubjects.push(await providerUnwraps('SoftHSM2 provider key, 1 in flight', hsm, 1));
    aesSubjects.push(await providerUnwraps(`SoftHSM2 provider key, ${IN_FLIGHT} in flight`, hsm, IN_FLIGHT));
  } else {
    console.log(`SoftHSM2 part skipped: SoftHSM2 is not installed (${status.reason}). ${SOFTHSM_INSTALL_HINT}`);
  }

  try {
    const rsaBaselines = new Map(rsaSubjects.slice(0, 2).map((s) => [s.hash, s]));
    await measure(rsaSubjects, rsaBaselines, RSA_SLICE);
    print('DEK unwraps under a tenant key (RSA-2048 OAEP), ratio against raw node:crypto with the same hash:', rsaSubjects);
    await measure(aesSubjects, new Map([['aes', aesSubjects[0]!]]), AES_SLICE);
    print('DEK unwraps under the provider key (AES-256-GCM), ratio against raw node:crypto AES-GCM:', aesSubjects);
  } finally {
    await hsm?.destroyPrivateKey('bench_hsm');
    await hsm?.close();
    await token?.cleanup();
    await software.close();
  }
}
