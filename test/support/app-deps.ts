import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteCipherDataPlane } from '../../src/adapters/dataplane/sqlite-cipher-data-plane.js';
import { openStore, type StoreOptions } from '../../src/adapters/store/open-store.js';
import { SoftwareVault } from '../../src/adapters/vault/software-vault.js';
import { randomIds } from '../../src/adapters/random-ids.js';
import type { AppDeps } from '../../src/app/deps.js';
import type { Clock } from '../../src/ports/clock.js';
import { noFaults } from '../../src/ports/fault-points.js';
import type { Vault } from '../../src/ports/vault.js';
import type { EngineControl } from '../../src/ports/engine.js';
import { MariaDbEngineControl } from '../../src/adapters/engines/mariadb/mariadb-engine-control.js';
import { EngineDekCache } from '../../src/app/engines/engine-dek-cache.js';
import { systemClock } from '../../src/adapters/clock/system-clock.js';
import { PooledKeyFileWork } from '../../src/adapters/key-files/pooled-key-file-work.js';
import type { Quotas } from '../../src/domain/quotas.js';

/**
 * The app's dependencies on real adapters in a temporary directory, for in-process tests of use
 * cases and operation handlers (the one place tests build AppDeps by hand). SQLite unless a
 * store is given; the software vault unless a vault factory is given; `close` removes it all.
 */
export interface TestDeps {
  deps: AppDeps;
  dir: string;
  close(): Promise<void>;
}

export async function testAppDeps(
  options: {
    store?: StoreOptions;
    vault?: (deps: Pick<AppDeps, 'store'>) => Promise<Vault>;
    clock?: Clock;
    realClock?: Clock;
    dataPlane?: AppDeps['dataPlane'];
    /** MariaDB's real engine control (on real time) unless given. */
    engineControl?: EngineControl;
    quotas?: Partial<Quotas>;
  } = {},
): Promise<TestDeps> {
  const dir = mkdtempSync(join(tmpdir(), 'kw-deps-'));
  const store = await openStore(options.store ?? { kind: 'sqlite', file: join(dir, 'control.db') });
  const vault =
    (await options.vault?.({ store })) ??
    (await (async () => {
      const software = new SoftwareVault(randomBytes(32), store.vaultObjects, () => randomIds.next('pk'));
      await software.init();
      return software;
    })());
  const dataPlane = options.dataPlane ?? new SqliteCipherDataPlane({ directory: join(dir, 'environments'), backupDirectory: join(dir, 'backups') });
  const clock = options.clock ?? { now: () => new Date() };
  const keyFileWork = new PooledKeyFileWork({ threads: 1, now: () => clock.now() });
  const deps: AppDeps = {
    store,
    vault,
    dataPlane,
    clock,
    realClock: options.realClock ?? clock,
    ids: randomIds,
    kick: { operations: () => undefined, notifications: () => undefined },
    keyFiles: { pfxIterations: 2048, work: keyFileWork },
    limits: {
      quotas: { environmentsPerTenant: 100, tablesPerEnvironment: 100, backupsPerEnvironment: 100, ...options.quotas },
      passwordFailures: { perCaller: 5, perTenant: 20 },
    },
    faults: noFaults,
    custodyTimeoutMs: 60_000,
    lockRotatesMasterKey: false,
    engines: { control: options.engineControl ?? new MariaDbEngineControl({ clock: systemClock }), deks: new EngineDekCache() },
  };
  return {
    deps,
    dir,
    async close() {
      deps.engines.deks.clear();
      await keyFileWork.close();
      await dataPlane.close();
      await vault.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
