import type { EncryptionStatus } from './environment-status.js';
import { fail } from './errors.js';

/**
 * Where an environment's data lives (SPEC "Environments on an external database engine"):
 * Keyward's own data plane (`embedded`), or a MariaDB server that encrypts its own files with
 * keys Keyward derives from the environment's DEK and serves over the Vault KV v2 protocol.
 */
export const ENGINE_KINDS = ['embedded', 'mariadb'] as const;
export type EngineKind = (typeof ENGINE_KINDS)[number];

export interface EmbeddedEngine {
  kind: 'embedded';
}

export interface MariaDbEngine {
  kind: 'mariadb';
  /** The admin connection (SPEC E1), without its password. */
  host: string;
  port: number;
  user: string;
  /** The admin account's password, sealed by the vault and bound to the environment id. */
  sealedPassword: string;
  /** SHA-256 of the engine's key-service token (SPEC E2); null until one is issued. */
  tokenHash: Buffer | null;
  /**
   * The latest engine key version (what a read without `?version` gets). Every version from 1
   * to it stays servable while the environment is unlocked: the redo log and binary logs keep the
   * version they were made with for ever (adapters/engines/mariadb/INVARIANTS.md, 4).
   */
  keyVersion: number;
  /**
   * When a lock confirmed the engine down (app clock). From then until the environment is unlocked
   * its keys are refused (SPEC E4: stop first, then refuse); null otherwise.
   */
  stoppedAt: Date | null;
  /** The last key fetch the key service recorded (throttled), for the probe. */
  lastKeyFetchAt: Date | null;
}

export type EnvironmentEngine = EmbeddedEngine | MariaDbEngine;

export const EMBEDDED: EmbeddedEngine = Object.freeze({ kind: 'embedded' });

export const isExternalEngine = (engine: EnvironmentEngine): engine is MariaDbEngine => engine.kind !== 'embedded';

/**
 * SPEC E6: the engine holds an external environment's data and makes its own backups, so
 * Keyward's data routes, backups, restore, copy and reset do not apply to it.
 */
export function assertEmbedded(env: { name: string; engine: EnvironmentEngine }, what: string): void {
  if (!isExternalEngine(env.engine)) return;
  fail(
    'CONFLICT',
    `The environment "${env.name}" lives in its MariaDB server, which holds the data and makes its own backups: use the engine for ${what}, not Keyward.`,
  );
}

/**
 * Whether the key service hands this engine its keys, given the environment's status (SPEC E3,
 * E4). Served while ready and while a rewrap runs (`updating`: apply and return only rewrap an
 * engine's DEK, the engine keeps running); while a lock runs, until the engine is confirmed down.
 * Otherwise the answer is a dropped connection, never an HTTP error: a stopping engine that gets
 * one aborts (INVARIANTS 1).
 */
export function engineKeysServed(status: EncryptionStatus, engine: MariaDbEngine): boolean {
  switch (status) {
    case 'ready':
    case 'updating':
      return true;
    case 'locking':
      return engine.stoppedAt === null;
    case 'locked':
    case 'unlocking':
    case 'deleted':
      return false;
  }
}

/** The version a key read gets: the latest when none is asked, any earlier one, never a later one. */
export function servedEngineKeyVersion(engine: MariaDbEngine, asked: number | undefined): number | undefined {
  if (asked === undefined) return engine.keyVersion;
  return asked >= 1 && asked <= engine.keyVersion ? asked : undefined;
}
