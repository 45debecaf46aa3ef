/**
 * Reading an uploaded .pfx: OpenSSL 3 default (PBES2/AES, SHA-256 MAC), legacy (3DES or RC2-40
 * bags, SHA-1 MAC) and key-only files. node-forge decodes the DER; pfx-structure.ts walks it;
 * every key derivation is priced before it runs (pfx files come from outside, and an iteration
 * count is a CPU bill); the key goes into a Node KeyObject at once (accepted-rsa-key.ts).
 *
 * Which error, when (the MAC covers everything under the password, so a wrong password and a
 * damaged file both make it fail):
 * 1. too large, empty, no password, not DER, not PKCS#12, malformed, unsupported algorithm,
 *    iteration count over the cap, no MAC                                 → INVALID_KEY_FILE
 * 2. well-formed, MAC does not match with this password:
 *    - if the password opens a part of the file — the shrouded key decrypts to a key, or to
 *      blocks that are recognisably a key with one damaged, or an encrypted content decrypts
 *      to well-formed SafeContents — the password is right and the file was altered
 *                                                                          → INVALID_KEY_FILE
 *    - otherwise                                                           → BAD_PASSWORD
 * 3. MAC matches, but a part does not decrypt or parse                     → INVALID_KEY_FILE
 * 4. not exactly one private key, key stored unencrypted, not RSA, wrong size, halves that do
 *    not match                                                             → INVALID_KEY_FILE
 * Messages never include the password or bytes from the file.
 */
import { createPrivateKey } from 'node:crypto';
import { acceptRsaPrivateKey, type KeyFileKey } from './accepted-rsa-key.js';
import { isKeywardError } from '../../domain/errors.js';
import { badPassword, invalidKeyFile, ShapeError } from './key-file-errors.js';
import { MAX_PFX_BYTES, MAX_PFX_SAFE_BAGS, MAX_PFX_WORK_UNITS } from './key-file-limits.js';
import { pbeDecrypt, pbeDecryptUnpadded } from './pbe-crypt.js';
import { schemeWorkUnits } from './pbe-scheme.js';
import { macWorkUnits, pkcs12MacMatches } from './pkcs12-mac.js';
import { looksLikePfx, parsePfx, parseSafeContents, type EncryptedBlob, type KeyEntry, type PfxStructure } from './pfx-structure.js';

const SOURCE = 'The .pfx file';

/** Tracks the key-derivation work one read may cost (MAX_PFX_WORK_UNITS). */
class WorkBudget {
  private used = 0;
  spend(units: number): void {
    this.used += units;
    if (this.used > MAX_PFX_WORK_UNITS) {
      throw invalidKeyFile(`${SOURCE} asks for more key-derivation work than Keyward allows for one file (its iteration counts are too high).`);
    }
  }
}

function notPfx(file: Buffer): never {
  const start = file.subarray(0, 64).toString('latin1').trimStart();
  if (start.startsWith('-----BEGIN')) {
    throw invalidKeyFile('This is PEM text, not a .pfx (PKCS#12) file; export the key as a password-protected .pfx.');
  }
  if (start.startsWith('{')) throw invalidKeyFile('This looks like JSON (a .byok file?), not a .pfx (PKCS#12) file.');
  throw invalidKeyFile('This is not a .pfx (PKCS#12) file.');
}

function parse(file: Buffer): PfxStructure {
  try {
    return parsePfx(file);
  } catch (error) {
    if (error instanceof ShapeError) {
      if (!looksLikePfx(file)) notPfx(file);
      throw invalidKeyFile(`${SOURCE} is damaged or truncated: ${error.detail}.`);
    }
    throw error;
  }
}

function priceVisibleWork(structure: PfxStructure, budget: WorkBudget): void {
  const { mac } = structure;
  if (mac !== undefined) budget.spend(macWorkUnits(mac.hash, mac.iterations));
  for (const content of structure.contents) {
    if (content.kind === 'encrypted') budget.spend(schemeWorkUnits(content.scheme));
    else for (const key of content.keys) if (key.kind === 'shrouded') budget.spend(schemeWorkUnits(key.scheme));
  }
}

/** Decrypts an EncryptedBlob whose cost was already spent; undefined when it does not decrypt. */
function decrypt(blob: EncryptedBlob, password: string): Promise<Buffer | undefined> {
  return pbeDecrypt(blob.scheme, blob.ciphertext, password);
}

/**
 * Byte runs every RSA PKCS#8 key holds near its start: the rsaEncryption AlgorithmIdentifier,
 * and RSAPrivateKey's `version 0, modulus INTEGER` with a long-form length. Plaintext decrypted
 * under a wrong password is uniformly random, so finding either (9 or 5 bytes) by chance is
 * about 2^-30 for a whole key, while a bit flipped in one ciphertext block garbles one block and
 * leaves these in another.
 */
const KEY_MARKERS = [Buffer.from('2a864886f70d010101', 'hex'), Buffer.from('0201000282', 'hex'), Buffer.from('0201000281', 'hex')];

function withoutPadding(blocks: Buffer, blockBytes: number): Buffer | undefined {
  const pad = blocks[blocks.length - 1] ?? 0;
  if (pad < 1 || pad > blockBytes || pad > blocks.length) return undefined;
  for (let i = blocks.length - pad; i < blocks.length; i++) if (blocks[i] !== pad) return undefined;
  return blocks.subarray(0, blocks.length - pad);
}

/** What the shrouded key decrypts to with this password: a key, a damaged key, or noise. */
async function shroudedKeyVerdict(entry: EncryptedBlob, password: string): Promise<'key' | 'damaged key' | 'noise'> {
  const blocks = await pbeDecryptUnpadded(entry.scheme, entry.ciphertext, password);
  if (blocks === undefined) return 'noise';
  try {
    const pkcs8 = withoutPadding(blocks, entry.scheme.blockBytes);
    if (pkcs8 !== undefined) {
      try {
        createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
        return 'key';
      } catch {
        // Padding happened to check out under a wrong password (1 in 256), or the key is damaged.
      }
    }
    return KEY_MARKERS.some((marker) => blocks.includes(marker)) ? 'damaged key' : 'noise';
  } finally {
    blocks.fill(0);
  }
}

/** Whether an encrypted content decrypts, with this password, to a well-formed SafeContents. */
async function contentOpens(content: EncryptedBlob, password: string): Promise<boolean> {
  const plaintext = await decrypt(content, password);
  if (plaintext === undefined) return false;
  try {
    parseSafeContents(plaintext, true);
    return true;
  } catch {
    return false;
  } finally {
    plaintext.fill(0);
  }
}

/**
 * Rule 2 above: decide between "wrong password" and "altered file" when the MAC fails. The
 * password is shown right by any part it opens: the key (whole, or recognisably a key with a
 * damaged block), or another encrypted part such as the certificates. Only when nothing opens
 * is it a wrong password; a file whose every encrypted part is damaged cannot tell the two apart.
 * All this work was priced with the rest of the file (priceVisibleWork).
 */
async function explainMacFailure(structure: PfxStructure, password: string): Promise<never> {
  const altered = (): never => {
    throw invalidKeyFile(`${SOURCE} has been altered or damaged: the password opens it, but its integrity check (MAC) fails.`);
  };
  const shrouded = structure.contents.flatMap((c) => (c.kind === 'data' ? c.keys : [])).flatMap((k) => (k.kind === 'shrouded' ? [k] : []));
  for (const key of shrouded) if ((await shroudedKeyVerdict(key, password)) !== 'noise') altered();
  for (const content of structure.contents) if (content.kind === 'encrypted' && (await contentOpens(content, password))) altered();
  throw badPassword('The password does not open this .pfx file.');
}

/** All key entries, with encrypted contents decrypted (the MAC has matched). */
async function collectKeys(structure: PfxStructure, password: string, budget: WorkBudget): Promise<KeyEntry[]> {
  const keys: KeyEntry[] = [];
  let bagCount = 0;
  for (const content of structure.contents) {
    if (content.kind === 'data') {
      keys.push(...content.keys);
      bagCount += content.bagCount;
      continue;
    }
    const plaintext = await decrypt(content, password);
    if (plaintext === undefined) {
      throw invalidKeyFile(`${SOURCE} is damaged: a part of it does not decrypt with this password although its integrity check passed.`);
    }
    let inner: { keys: KeyEntry[]; bagCount: number };
    try {
      inner = parseSafeContents(plaintext, true);
    } catch (error) {
      if (error instanceof ShapeError) throw invalidKeyFile(`${SOURCE} is damaged: ${error.detail}.`);
      throw error;
    } finally {
      plaintext.fill(0);
    }
    for (const key of inner.keys) if (key.kind === 'shrouded') budget.spend(schemeWorkUnits(key.scheme));
    keys.push(...inner.keys);
    bagCount += inner.bagCount;
  }
  if (bagCount > MAX_PFX_SAFE_BAGS) throw invalidKeyFile(`${SOURCE} holds more than ${MAX_PFX_SAFE_BAGS} items.`);
  return keys;
}

async function privateKeyBytes(entry: KeyEntry, password: string): Promise<Buffer> {
  if (entry.kind === 'plain') {
    if (!entry.insideEncryptedContent) {
      throw invalidKeyFile(`${SOURCE} stores its private key unencrypted; export it again with the key protected by a password.`);
    }
    return entry.pkcs8;
  }
  const pkcs8 = await decrypt(entry, password);
  if (pkcs8 === undefined) {
    throw invalidKeyFile(`${SOURCE} is damaged: its private key does not decrypt with this password although its integrity check passed.`);
  }
  return pkcs8;
}

async function readChecked(file: Buffer, password: string): Promise<KeyFileKey> {
  const structure = parse(file);
  const { mac } = structure;
  if (mac === undefined) {
    throw invalidKeyFile(`${SOURCE} has no integrity MAC, so it is not protected by a password; export it again with a password.`);
  }
  const budget = new WorkBudget();
  priceVisibleWork(structure, budget);
  if (!pkcs12MacMatches(mac.digest, mac.hash, password, mac.salt, mac.iterations, structure.authSafe)) {
    return explainMacFailure(structure, password);
  }
  const keys = await collectKeys(structure, password, budget);
  const [only] = keys;
  if (only === undefined) throw invalidKeyFile(`${SOURCE} holds no private key (only certificates?); Keyward needs the key itself.`);
  if (keys.length > 1) throw invalidKeyFile(`${SOURCE} holds ${keys.length} private keys; Keyward needs a file with exactly one.`);
  const pkcs8 = await privateKeyBytes(only, password);
  try {
    return acceptRsaPrivateKey(pkcs8, SOURCE);
  } finally {
    pkcs8.fill(0);
  }
}

/**
 * Opens a .pfx with its password and returns its one RSA key as Node KeyObjects.
 * Throws KeywardError INVALID_KEY_FILE or BAD_PASSWORD (see the rules at the top), nothing else.
 */
export async function readPfx(file: Uint8Array, password: string | undefined): Promise<KeyFileKey> {
  if (file.byteLength === 0) throw invalidKeyFile(`${SOURCE} is empty.`);
  if (file.byteLength > MAX_PFX_BYTES) {
    throw invalidKeyFile(`${SOURCE} is larger than ${MAX_PFX_BYTES / 1024} KiB; a key file is a few KiB. Check that this is the right file.`);
  }
  if (typeof password !== 'string' || password === '') {
    throw invalidKeyFile('A password is required: Keyward accepts only password-protected .pfx files.');
  }
  const bytes = Buffer.from(file.buffer, file.byteOffset, file.byteLength);
  try {
    return await readChecked(bytes, password);
  } catch (error) {
    if (isKeywardError(error)) throw error;
    // A path the parser did not foresee (a forge or OpenSSL error on hostile input). The
    // original error is dropped on purpose: its message may quote bytes from the file.
    throw invalidKeyFile(`${SOURCE} is damaged or uses a structure Keyward cannot read.`);
  }
}
