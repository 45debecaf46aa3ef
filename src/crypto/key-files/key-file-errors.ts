import { KeywardError } from '../../domain/errors.js';

/**
 * The errors this module raises. Every `detail` is a fixed sentence from this module (with, at
 * most, a number, a key size or an algorithm name from our own tables): never the password, key
 * bytes, file bytes, or text copied from the file.
 */
export function invalidKeyFile(detail: string): KeywardError {
  return new KeywardError('INVALID_KEY_FILE', detail);
}

export function badPassword(detail: string): KeywardError {
  return new KeywardError('BAD_PASSWORD', detail);
}

/** A caller passed something unusable (empty password to generate, bad size): a request error. */
export function invalidInput(detail: string): KeywardError {
  return new KeywardError('VALIDATION_FAILED', detail);
}

/**
 * Raised inside the parsers when the file does not have the expected shape; the public reader
 * turns it into INVALID_KEY_FILE. `detail` names the part, never its content.
 */
export class ShapeError extends Error {
  constructor(readonly detail: string) {
    super(detail);
    this.name = 'ShapeError';
  }
}
