import { KeywardError } from '../../../domain/errors.js';
import { ck } from './pkcs11-api.js';

/**
 * What the PKCS#11 vault says when something fails, in one place. Decryption failures share one
 * text per operation (the software vault's texts, so callers and people see the same thing
 * whichever vault runs): a padding or tag failure must look exactly like a missing key, or the
 * difference becomes an oracle.
 */
export const DECRYPT_FAILURE = 'The vault could not decrypt with this key.';
export const UNWRAP_FAILURE = 'A data key could not be unwrapped.';
export const UNKNOWN_PROVIDER_KEY = 'A data key is sealed under a provider key this vault does not hold.';

const CKR_NAMES = new Map<number, string>(
  Object.entries(ck)
    .filter((entry): entry is [string, number] => entry[0].startsWith('CKR_') && typeof entry[1] === 'number')
    .map(([name, code]) => [code, name]),
);

/** The CKR_… name of a PKCS#11 failure, or undefined for anything else. */
export function ckrOf(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  const named = /^(CKR_[A-Z0-9_]+)/.exec(error.message);
  if (named) return named[1];
  const code = (error as { code?: unknown }).code;
  return typeof code === 'number' && error.name === 'Pkcs11Error' ? CKR_NAMES.get(code) : undefined;
}

/**
 * Answers to C_Login that mean the PIN itself is wrong or unusable. HSMs count wrong PINs and
 * lock or wipe themselves after a few, so none of these is ever retried.
 */
const PIN_REFUSALS = new Set(['CKR_PIN_INCORRECT', 'CKR_PIN_LOCKED', 'CKR_PIN_EXPIRED', 'CKR_PIN_INVALID', 'CKR_PIN_LEN_RANGE']);

export function isPinRefusal(error: unknown): boolean {
  return PIN_REFUSALS.has(ckrOf(error) ?? '');
}

/** Answers meaning "this token does not do that mechanism or parameter", as opposed to a fault. */
const UNSUPPORTED = new Set([
  'CKR_ARGUMENTS_BAD',
  'CKR_MECHANISM_INVALID',
  'CKR_MECHANISM_PARAM_INVALID',
  'CKR_FUNCTION_NOT_SUPPORTED',
  'CKR_KEY_TYPE_INCONSISTENT',
  'CKR_KEY_FUNCTION_NOT_PERMITTED',
]);

export function isUnsupported(error: unknown): boolean {
  return UNSUPPORTED.has(ckrOf(error) ?? '');
}

export function pinRefused(ckr: string, tokenLabel: string): Error {
  const why =
    ckr === 'CKR_PIN_LOCKED'
      ? 'the token has locked its user PIN; its security officer must unlock it'
      : ckr === 'CKR_PIN_EXPIRED'
        ? 'the user PIN has expired; set a new one with the HSM tools'
        : 'the PIN is wrong; set KEYWARD_PKCS11_PIN to the token user PIN';
  return new Error(
    `The HSM refused the PIN for token ${JSON.stringify(tokenLabel)} (${ckr}): ${why}. ` +
      'Keyward tried it once and will not try it again in this process, because HSMs lock or wipe themselves after too many wrong PINs.',
  );
}

/** What a failed PKCS#11 call is called in a message: its CKR name, never its arguments. */
export function describeFailure(error: unknown): string {
  return ckrOf(error) ?? (error instanceof Error ? error.message : String(error));
}

export function decryptFailure(): KeywardError {
  return new KeywardError('INTERNAL', DECRYPT_FAILURE);
}

export function unwrapFailure(): KeywardError {
  return new KeywardError('INTERNAL', UNWRAP_FAILURE);
}
