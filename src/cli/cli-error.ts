import { exitCodeOf, type CliCode } from './exit-codes.js';

/**
 * Errors are data (ARCHITECTURE.md): a code (the server's problem `code`, or one of the CLI's
 * own), a detail for people, and for time gates the moment the action becomes possible. One
 * handler in main.ts prints it and exits with `exitCodeOf(code)`. A detail never holds a token,
 * a password or key bytes: it is printed as is.
 */
export class CliError extends Error {
  /** A CliCode, or a code from a newer server this CLI does not know (exits as BAD_ANSWER). */
  readonly code: string;
  readonly detail: string;
  readonly retryAfter: string | undefined;

  constructor(code: string, detail: string, retryAfter?: string) {
    super(`${code}: ${detail}`);
    this.name = 'CliError';
    this.code = code;
    this.detail = detail;
    this.retryAfter = retryAfter;
  }

  get exitCode(): number {
    return exitCodeOf(this.code);
  }
}

export const cliFail = (code: CliCode, detail: string): never => {
  throw new CliError(code, detail);
};
