import { expect } from 'vitest';
import { isKeywardError, type ErrorCode, type KeywardError } from '../../src/domain/errors.js';

/** Runs `work` and returns the KeywardError it throws; fails the test on success or any other error. */
export async function keywardErrorOf(work: () => unknown): Promise<KeywardError> {
  let outcome: unknown;
  try {
    await work();
    outcome = 'success';
  } catch (error) {
    if (isKeywardError(error)) return error;
    outcome = error;
  }
  throw new Error(`expected a KeywardError, got ${String(outcome)}`);
}

/**
 * Asserts the code and a distinctive part of the message, and that the message quotes none of
 * `secrets` (password, file text).
 */
export async function expectKeyFileError(
  work: () => unknown,
  code: ErrorCode,
  detail: RegExp,
  secrets: readonly string[] = [],
): Promise<KeywardError> {
  const error = await keywardErrorOf(work);
  expect(error.code).toBe(code);
  expect(error.detail).toMatch(detail);
  for (const secret of secrets) expect(error.message).not.toContain(secret);
  return error;
}
