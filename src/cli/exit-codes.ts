import type { ErrorCode } from '../domain/errors.js';

/**
 * One exit code per error code, so scripts can branch on `$?` without parsing stderr. The server
 * codes are typed against the domain's table (src/domain/errors.ts): a code added there fails
 * typecheck here until it gets its exit code (and a row in the README's exit code table). Numbers never change
 * once published; new codes take unused numbers.
 *
 * Ranges: 1–9 the CLI's own failures; 10–19 bad input; 20–29 who/what; 30–49 refusals by rule
 * or state; 50 the server failed.
 */
export const SERVER_EXIT_CODES = {
  VALIDATION_FAILED: 10,
  ACKNOWLEDGEMENT_REQUIRED: 11,
  CONFIRMATION_MISMATCH: 12,
  INVALID_KEY_FILE: 13,
  BAD_PASSWORD: 14,
  PAYLOAD_TOO_LARGE: 15,
  UNAUTHENTICATED: 20,
  FORBIDDEN: 21,
  NOT_FOUND: 22,
  CMK_NOT_ENABLED: 30,
  CMK_NOT_ELIGIBLE: 31,
  ENVIRONMENT_NOT_ELIGIBLE: 32,
  DUPLICATE_KEY: 33,
  ACTIVATION_COOLDOWN: 34,
  LOCK_COOLDOWN: 35,
  UNLOCK_TOO_EARLY: 36,
  LOCKED_ENVIRONMENTS_EXIST: 37,
  NO_ACTIVE_KEY: 38,
  KEY_MISMATCH: 39,
  CONFLICT: 40,
  ENVIRONMENT_LOCKED: 41,
  ENVIRONMENT_UPDATING: 42,
  RATE_LIMITED: 43,
  INTERNAL: 50,
} as const satisfies Record<ErrorCode, number>;

/** Failures that happen in the CLI itself, before or instead of a problem from the server. */
export const LOCAL_EXIT_CODES = {
  /** A bug or an error nobody classified: report it. */
  UNEXPECTED: 1,
  /** Bad command line: unknown option, missing argument, conflicting flags, no terminal to ask on. */
  USAGE: 2,
  /** The server could not be reached (refused, DNS, TLS, timeout). */
  CONNECTION: 3,
  /** The server answered something that is not Keyward's API (a proxy page, an unknown code). */
  BAD_ANSWER: 4,
  /** A local file could not be read or written, or would have been overwritten. */
  LOCAL_FILE: 5,
  /** The person answered no to a confirmation, or none could be asked and `--yes` was not given. */
  ABORTED: 6,
  /** `--timeout` ran out while waiting for an operation (it keeps running on the server). */
  WAIT_TIMEOUT: 7,
  /** `audit verify` found the hash chain broken. */
  AUDIT_BROKEN: 8,
  /** Ctrl-C at a prompt (128 + SIGINT, as shells do). */
  INTERRUPTED: 130,
} as const;

export type LocalCode = keyof typeof LOCAL_EXIT_CODES;
export type CliCode = ErrorCode | LocalCode;

const ALL: Record<string, number> = { ...SERVER_EXIT_CODES, ...LOCAL_EXIT_CODES };

/** A code from a newer server that this CLI does not know yet exits as BAD_ANSWER. */
export function exitCodeOf(code: string): number {
  return Object.hasOwn(ALL, code) ? (ALL[code] as number) : LOCAL_EXIT_CODES.BAD_ANSWER;
}
