/**
 * Counters that must hold across every server instance sharing the control store (SPEC F2):
 * wrong .pfx passwords per tenant and per caller, and refusals collapsed in the audit log. One
 * row per key, read and written under a row lock inside a transaction, so two instances
 * counting the same key queue on each other instead of both reading the old count.
 */
export interface ThrottleCounter {
  /** What is counted, e.g. `pfx-password:caller:<tenant>:<user>`; at most 500 characters. */
  key: string;
  /** The tenant the counter belongs to (for listing and cleanup). */
  scope: string;
  count: number;
  /** When the counted run began. */
  since: Date;
  /** The last event counted. */
  lastAt: Date;
  /** Refused until (a back-off), or the end of a counting window; null: none. */
  until: Date | null;
  /** A short non-secret note (what a collapsed refusal was: actor, action, code, first target); at most 1,000 characters. */
  note: string | null;
}

export interface ThrottleRepo {
  /**
   * The key's counter, locked until the transaction ends (a fresh one, count 0, if the key has
   * none yet). Call it on a transaction's repos: outside one the lock would end at once.
   */
  lock(key: string, scope: string): Promise<ThrottleCounter>;
  put(counter: ThrottleCounter): Promise<void>;
  remove(key: string): Promise<void>;
  /** Counters of `scope` with a count above 0 whose `until` is at or before `at`, oldest first. */
  listDue(scope: string, at: Date, limit: number): Promise<ThrottleCounter[]>;
}
