import type { Quotas } from '../domain/quotas.js';
import type { Clock } from '../ports/clock.js';
import type { DataPlane } from '../ports/data-plane.js';
import type { Ids } from '../ports/ids.js';
import type { KeyFileWork } from '../ports/key-file-work.js';
import type { Store } from '../ports/store.js';
import type { Vault } from '../ports/vault.js';

/** What every use case may reach; wired once in main/. */
export interface AppDeps {
  store: Store;
  vault: Vault;
  dataPlane: DataPlane;
  clock: Clock;
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
}
