import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import {
  generatePfx,
  issueKeyExchangeKey,
  readPfx,
  type GeneratedPfx,
  type GeneratePfxInput,
  type IssueKeyExchangeKeyInput,
  type KeyExchangeKey,
  type KeyFileKey,
  type RsaKeySize,
} from '../../crypto/key-files/index.js';
import { isKeywardError, KeywardError, type ErrorCode } from '../../domain/errors.js';

/**
 * What crosses the thread boundary between the app and a key-file worker, and the one function a
 * worker runs. Only structured-cloneable values travel: a private key goes as PKCS#8 DER in an
 * ArrayBuffer of its own, moved (not copied) to the receiving thread, which makes its KeyObject
 * and zeroes the bytes at once; a proof of possession sends back only the thumbprint, so that
 * private key never leaves the worker. Errors travel as data (code and fixed detail). Dates and
 * Uint8Arrays survive the structured clone as they are.
 */
export type KeyFileTask =
  | { kind: 'readPfx'; file: Uint8Array; password: string | undefined }
  | { kind: 'provePfx'; file: Uint8Array; password: string | undefined }
  | { kind: 'generatePfx'; input: GeneratePfxInput }
  | { kind: 'issueKeyExchangeKey'; input: IssueKeyExchangeKeyInput };

export interface KeyBytes {
  /** PKCS#8 DER of the private key; the receiver zeroes it. */
  pkcs8: ArrayBuffer;
  thumbprint: string;
  keySize: RsaKeySize;
}

export type KeyFileResult =
  | { kind: 'key'; key: KeyBytes }
  | { kind: 'proof'; thumbprint: string }
  | { kind: 'generated'; key: KeyBytes; pfx: Uint8Array; certificate: Uint8Array }
  | { kind: 'exchangeKey'; key: KeyBytes; kid: string; publicKeyPem: string; expiresAtMs: number; tenantId: string; region: string }
  | { kind: 'error'; code: ErrorCode; detail: string; retryAfterMs?: number }
  | { kind: 'unexpected' };

/** The buffers a result moves rather than copies. */
export function transferablesOf(result: KeyFileResult): ArrayBuffer[] {
  return 'key' in result ? [result.key.pkcs8] : [];
}

/** A private key's PKCS#8 bytes in a buffer of their own (so moving it moves nothing else). */
function keyBytesOf(key: KeyFileKey): KeyBytes {
  const der = key.privateKey.export({ type: 'pkcs8', format: 'der' });
  try {
    const pkcs8 = new ArrayBuffer(der.length);
    new Uint8Array(pkcs8).set(der);
    return { pkcs8, thumbprint: key.thumbprint, keySize: key.keySize };
  } finally {
    der.fill(0);
  }
}

/** Runs one task; never throws (a worker's thrown error would carry its message across). */
export async function runKeyFileTask(task: KeyFileTask): Promise<KeyFileResult> {
  try {
    switch (task.kind) {
      case 'readPfx':
        return { kind: 'key', key: keyBytesOf(await readPfx(task.file, task.password)) };
      case 'provePfx':
        return { kind: 'proof', thumbprint: (await readPfx(task.file, task.password)).thumbprint };
      case 'generatePfx': {
        const made = await generatePfx(task.input);
        return { kind: 'generated', key: keyBytesOf(made), pfx: made.pfx, certificate: made.certificate };
      }
      case 'issueKeyExchangeKey': {
        const kek = await issueKeyExchangeKey(task.input);
        return {
          kind: 'exchangeKey',
          key: keyBytesOf({ privateKey: kek.privateKey, publicKey: createPublicKey(kek.publicKeyPem), thumbprint: '', keySize: kek.keySize }),
          kid: kek.kid,
          publicKeyPem: kek.publicKeyPem,
          expiresAtMs: kek.expiresAt.getTime(),
          tenantId: kek.tenantId,
          region: kek.region,
        };
      }
    }
  } catch (error) {
    if (isKeywardError(error)) {
      return { kind: 'error', code: error.code, detail: error.detail, ...(error.retryAfter ? { retryAfterMs: error.retryAfter.getTime() } : {}) };
    }
    // The readers turn every foreign error into INVALID_KEY_FILE; anything else is a bug, and
    // its message (which might quote input) stays in the worker.
    return { kind: 'unexpected' };
  }
}

/** Takes a moved key into a KeyObject on this thread and zeroes the bytes. */
function keyObjectsOf(bytes: KeyBytes): { privateKey: KeyObject; publicKey: KeyObject } {
  const der = Buffer.from(bytes.pkcs8);
  try {
    const privateKey = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
    return { privateKey, publicKey: createPublicKey(privateKey) };
  } finally {
    der.fill(0);
  }
}

function failed(result: KeyFileResult): never {
  if (result.kind === 'error') {
    throw new KeywardError(result.code, result.detail, result.retryAfterMs === undefined ? undefined : new Date(result.retryAfterMs));
  }
  throw new KeywardError('INTERNAL', 'Key-file work failed unexpectedly.');
}

export function keyOf(result: KeyFileResult): KeyFileKey {
  if (result.kind !== 'key') return failed(result);
  return { ...keyObjectsOf(result.key), thumbprint: result.key.thumbprint, keySize: result.key.keySize };
}

export function proofOf(result: KeyFileResult): { thumbprint: string } {
  if (result.kind !== 'proof') return failed(result);
  return { thumbprint: result.thumbprint };
}

export function generatedOf(result: KeyFileResult): GeneratedPfx {
  if (result.kind !== 'generated') return failed(result);
  return {
    ...keyObjectsOf(result.key),
    thumbprint: result.key.thumbprint,
    keySize: result.key.keySize,
    pfx: Buffer.from(result.pfx.buffer, result.pfx.byteOffset, result.pfx.byteLength),
    certificate: Buffer.from(result.certificate.buffer, result.certificate.byteOffset, result.certificate.byteLength),
  };
}

export function exchangeKeyOf(result: KeyFileResult): KeyExchangeKey {
  if (result.kind !== 'exchangeKey') return failed(result);
  return {
    kid: result.kid,
    publicKeyPem: result.publicKeyPem,
    privateKey: keyObjectsOf(result.key).privateKey,
    expiresAt: new Date(result.expiresAtMs),
    tenantId: result.tenantId,
    region: result.region,
    keySize: result.key.keySize,
  };
}
