/**
 * The text a person types back to lock a region (R13), as pure rules. It says what the lock
 * destroys (how many environments go offline, how many keys are deleted) and which key it is,
 * and ends with a short code that changes every ten minutes, so a text copied into a script or
 * an old screenshot stops working. What is compared is normalised the same way on both sides:
 * Unicode NFC, whitespace collapsed; names lose control and format characters (bidi overrides,
 * zero-width joiners) so two texts that look the same are the same.
 */
export const CHALLENGE_WINDOW_MS = 10 * 60_000;

/* eslint-disable no-control-regex -- control and format characters are exactly what is removed */
const INVISIBLE =
  /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u115f\u1160\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f\u3164\ufeff\uffa0\ufff0-\ufffb]/gu;
/* eslint-enable no-control-regex */

/** A name as it may appear in a challenge: visible characters only, NFC, single spaces. */
export const challengeName = (name: string): string => name.normalize('NFC').replace(/\s+/gu, ' ').replace(INVISIBLE, '').replace(/ +/g, ' ').trim();

/** What the person typed, as it is compared. */
export const normaliseTyped = (typed: string): string =>
  typed.normalize('NFC').replace(/\s+/gu, ' ').replace(INVISIBLE, '').replace(/ +/g, ' ').trim();

export interface ChallengeFacts {
  tenantName: string;
  region: string;
  /** Tenant-key environments that go offline. */
  environments: number;
  /** Keys of the region the lock deletes from the vault (the active one included). */
  keys: number;
  /** Short form of the active key's thumbprint. */
  keyShort: string;
  /** The code of the challenge's ten-minute window. */
  code: string;
}

export function challengeText(f: ChallengeFacts): string {
  const envs = `${f.environments} environment${f.environments === 1 ? '' : 's'}`;
  const keys = `${f.keys} key${f.keys === 1 ? '' : 's'}`;
  return `LOCK ${challengeName(f.tenantName)} ${f.region}: ${envs} offline, ${keys} destroyed, key ${f.keyShort}, code ${f.code}`;
}

/** The window a time falls in; a challenge is accepted in its own window and the next one. */
export const challengeWindow = (now: Date): number => Math.floor(now.getTime() / CHALLENGE_WINDOW_MS);
export const challengeExpiresAt = (window: number): Date => new Date((window + 2) * CHALLENGE_WINDOW_MS);

const CODE_ALPHABET = '23456789ABCDEFGHJKMNPQRSTVWXYZ';

/** Six characters of an unambiguous alphabet from the first bytes of a MAC. */
export function challengeCode(mac: Buffer): string {
  let code = '';
  for (let i = 0; i < 6; i++) code += CODE_ALPHABET[mac[i]! % CODE_ALPHABET.length];
  return code;
}
