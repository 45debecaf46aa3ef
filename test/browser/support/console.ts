/**
 * Console errors a browser test may see, and no others. Chromium logs every HTTP error answer
 * as "Failed to load resource: … status of 409 (Conflict)"; a test that provokes a refusal on
 * purpose (to check the UI shows it) declares it, once per refusal. Anything else — a script
 * error, a React warning logged as error, a CSP violation, an unexpected 4xx/5xx — fails.
 */
export class ConsoleExpectations {
  private readonly expected: number[] = [];

  expectRefusal(status: number): void {
    this.expected.push(status);
  }

  /** The console errors not accounted for by a declared refusal, and declared refusals not seen. */
  check(errors: readonly string[]): { unexpected: string[]; missing: number[] } {
    const pending = [...this.expected];
    const unexpected: string[] = [];
    for (const error of errors) {
      const status = /Failed to load resource: the server responded with a status of (\d{3})/.exec(error)?.[1];
      const at = status === undefined ? -1 : pending.indexOf(Number(status));
      if (at >= 0) pending.splice(at, 1);
      else unexpected.push(error);
    }
    return { unexpected, missing: pending };
  }
}
