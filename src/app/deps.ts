import type { Quotas } from '../domain/quotas.js';
import type { Clock } from '../ports/clock.js';
import type { DataPlane } from '../ports/data-plane.js';
import type { EngineControl } from '../ports/engine.js';
import type { FaultPoints } from '../ports/fault-points.js';
import type { Ids } from '../ports/ids.js';
import type { KeyFileWork } from '../crypto/key-files/key-file-work.js';
import type { Store } from '../ports/store.js';
import type { Vault } from '../ports/vault.js';
import type { EngineDekCache } from './engines/engine-dek-cache.js';

/** What every use case may reach; wired once in main/. */
export interface AppDeps {
  store: Store;
  vault: Vault;
  dataPlane: DataPlane;
  /** The app clock: the dev clock when enabled. Every time rule reads it. */
  clock: Clock;
  /**
   * Real time, never the dev clock: for what is compared across instances and crashes rather
   * than with the rules (how long ago a custody began, so a start reclaims abandoned ones).
   */
  realClock: Clock;
  ids: Ids;
  /** Tells this instance's runners that work was queued (they poll anyway, this is sooner). */
  kick: { operations(): void; notifications(): void };
  keyFiles: {
    /** PBKDF2 iterations of generated .pfx files (600,000 unless lowered for tests). */
    pfxIterations: number;
    /** Where .pfx reads, writes and RSA key generation run: off the event loop, queued per tenant (F1). */
    work: KeyFileWork;
  };
  /** What one tenant may hold and try (SPEC F2, F3); set by the operator (main/config.ts). */
  limits: {
    quotas: Quotas;
    /** Wrong .pfx passwords in a row, per caller and per tenant, before each try must wait (F2). */
    passwordFailures: { perCaller: number; perTenant: number };
  };
  /** Where the crash suite may kill the process; does nothing in production. */
  faults: FaultPoints;
  /**
   * How long (real time) a key's custody may take before it counts as abandoned by a request that
   * died, and is given back by the next reconciliation (SPEC L2). A minute in production.
   */
  custodyTimeoutMs: number;
  /** Whether a lock also rotates the software vault's master key (on by default). */
  lockRotatesMasterKey: boolean;
  /**
   * External engines (SPEC E1-E6): how to stop and probe them, and the DEKs this process's key
   * service holds for them (dropped with the engine's keys: a lock, a sweep).
   */
  engines: { control: EngineControl; deks: EngineDekCache };
}
