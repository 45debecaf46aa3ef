import { hkdfSync } from 'node:crypto';
import { DEK_BYTES } from './envelope.js';

/**
 * The keys an external engine (MariaDB's encryption plugins) asks for, by key id and version,
 * all derived from the environment's one DEK:
 *
 *   engineKey = HKDF-SHA256(ikm = DEK, salt = ENGINE_KEY_SALT,
 *                           info = PURPOSE ‖ 0x00 ‖ u32be(keyId) ‖ u32be(version) ‖ utf8(environmentId))
 *
 * Why HKDF (RFC 5869, the KDF of NIST SP 800-56C): the DEK is a uniformly random 256-bit key and
 * we need many independent keys from it. HKDF is one-way, so an engine key (which lives in the
 * engine's memory and crosses the wire) reveals neither the DEK nor any sibling key; it is
 * deterministic, so nothing is stored: a rewrap of the DEK (apply, return, activate) serves the
 * engine identical bytes and restarts nothing (SPEC E3), and shredding the DEK at a lock shreds
 * every engine key with it. One wrapped DEK governs everything the engine holds.
 *
 * Why this context: the environment id keeps two environments apart even if they ever held the
 * same DEK bytes; the key id gives each table key (MariaDB's ENCRYPTION_KEY_ID) and the system /
 * temporary keys (1, 2) their own bytes; the version makes a rotation produce new bytes; the
 * purpose label keeps engine keys apart from anything else a later feature derives from a DEK.
 * The two numbers are fixed-width and the id comes last, so no two contexts encode alike.
 */
export const ENGINE_KEY_BYTES = 32;
export const ENGINE_KEY_PURPOSE = 'keyward/engine-key/v1';
/** Fixed, public: domain separation only (RFC 5869 §3.1); the DEK already has full entropy. */
const ENGINE_KEY_SALT = Buffer.from('keyward engine keys', 'utf8');

/** MariaDB key ids and versions are unsigned 32-bit; 0 means "not encrypted", 2^32-1 "invalid". */
export const MAX_ENGINE_KEY_NUMBER = 0xffff_fffe;
const ENVIRONMENT_ID = /^[A-Za-z0-9_-]{1,128}$/;

export interface EngineKeyContext {
  environmentId: string;
  keyId: number;
  version: number;
}

export function isEngineKeyNumber(n: number): boolean {
  return Number.isInteger(n) && n >= 1 && n <= MAX_ENGINE_KEY_NUMBER;
}

function info(context: EngineKeyContext): Buffer {
  const numbers = Buffer.alloc(8);
  numbers.writeUInt32BE(context.keyId, 0);
  numbers.writeUInt32BE(context.version, 4);
  return Buffer.concat([Buffer.from(ENGINE_KEY_PURPOSE, 'utf8'), Buffer.from([0]), numbers, Buffer.from(context.environmentId, 'utf8')]);
}

/**
 * The 32-byte key for (environment, key id, version). Pure: the same inputs always give the same
 * bytes. The caller owns both buffers (it zeroes the DEK and, once sent, the key).
 */
export function deriveEngineKey(dek: Buffer, context: EngineKeyContext): Buffer {
  if (dek.length !== DEK_BYTES) throw new RangeError('A DEK is 256 bits.');
  if (!ENVIRONMENT_ID.test(context.environmentId)) throw new RangeError('An environment id is 1 to 128 letters, digits, "_" or "-".');
  if (!isEngineKeyNumber(context.keyId)) throw new RangeError('An engine key id is an integer from 1 to 4294967294.');
  if (!isEngineKeyNumber(context.version)) throw new RangeError('An engine key version is an integer from 1 to 4294967294.');
  return Buffer.from(hkdfSync('sha256', dek, ENGINE_KEY_SALT, info(context), ENGINE_KEY_BYTES));
}
