/**
 * Control of an external database engine through its admin connection (SPEC E1, E4): stop it,
 * see whether it is up, and ask which key versions it still uses. The admin URL
 * (`mysql://user:password@host:port`, see domain/engine-admin-url.ts) is passed in on each call,
 * unsealed by the caller for that call only; an adapter never keeps, logs or returns it.
 *
 * Expected outcomes (the engine refused our account, was unreachable, would not go down) are
 * typed results, not exceptions: a lock reports them per environment. An admin URL that does
 * not parse throws KeywardError VALIDATION_FAILED (creation validated it, so that is a bug).
 */
export type EngineKind = 'mariadb';

/** Why an engine could not be stopped or asked. `detail` says it for people, without secrets. */
export type EngineFailureReason =
  /** The engine refused the account's credentials. */
  | 'auth-failed'
  /** The account may not do this (no SHUTDOWN, or no PROCESS for key versions). */
  | 'not-permitted'
  /** No answer at all (timeout, no route, DNS): the engine may well be up. */
  | 'unreachable'
  /** SHUTDOWN was accepted but the port kept accepting connections until the deadline. */
  | 'still-up'
  /** Something answered that does not speak the engine's protocol as expected. */
  | 'protocol';

export interface EngineFailure {
  ok: false;
  reason: EngineFailureReason;
  detail: string;
}

export type EngineStopOutcome =
  | {
      ok: true;
      /** The engine was already down when stop() began (a lock step run twice lands here). */
      alreadyDown: boolean;
      startedAt: Date;
      /** When the last of the consecutive refused connections confirmed the engine down. */
      confirmedDownAt: Date;
      /** confirmedDownAt - startedAt. */
      tookMs: number;
    }
  | (EngineFailure & { tookMs: number });

export type EngineProbe =
  /** It completed the protocol handshake; `admin` says whether our account got in. */
  | { state: 'up'; serverVersion: string | undefined; admin: 'ok' | 'refused' }
  /** Connection refused: nothing listens on the port. */
  | { state: 'down' }
  | { state: 'unknown'; reason: 'unreachable' | 'protocol'; detail: string };

export interface EngineKeyVersionUse {
  keyId: number;
  /** The oldest key version any page of these tablespaces is still encrypted with. */
  minKeyVersion: number;
  tablespaces: number;
  /** Tablespaces a key-rotation thread is re-encrypting right now. */
  rotating: number;
}

export type EngineKeyUsage =
  | {
      ok: true;
      /** The minimum over every encrypted tablespace; null when nothing is encrypted yet. */
      minKeyVersion: number | null;
      byKeyId: EngineKeyVersionUse[];
      /** Tablespaces not encrypted (yet): encryption threads still have work to do. */
      unencrypted: number;
    }
  | EngineFailure;

export interface EngineControl {
  readonly kind: EngineKind;
  /**
   * Gracefully stops the engine (SHUTDOWN) and waits, with a bounded deadline, until it is
   * confirmed down. Call it while the engine's keys are still served (SPEC E4): the engine
   * flushes pages and may fetch key versions while it shuts down.
   */
  stop(adminUrl: string): Promise<EngineStopOutcome>;
  probe(adminUrl: string): Promise<EngineProbe>;
  /**
   * Which key versions the engine's tablespaces still use, for retiring old versions after a
   * rotation. Only tablespaces are reported: the redo log and binary logs keep the version they
   * were created with and no SQL shows it (docs/mariadb.md), so a version that was ever the
   * newest must stay servable for as long as those files may be read.
   */
  minKeyVersionInUse(adminUrl: string): Promise<EngineKeyUsage>;
}
