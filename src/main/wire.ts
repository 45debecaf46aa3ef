import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../app/deps.js';
import { bootstrapOperator, type OperatorBootstrap } from '../app/bootstrap-operator.js';
import { DevClock } from '../adapters/clock/dev-clock.js';
import { systemClock } from '../adapters/clock/system-clock.js';
import { randomIds } from '../adapters/random-ids.js';
import { openStore } from '../adapters/store/open-store.js';
import { loadOrCreateMasterKey } from '../adapters/vault/master-key.js';
import { SoftwareVault } from '../adapters/vault/software-vault.js';
import { SqliteCipherDataPlane } from '../adapters/dataplane/sqlite-cipher-data-plane.js';
import { buildServer } from '../http/build-server.js';
import type { Config } from './config.js';

export interface RunningKeyward {
  app: FastifyInstance;
  deps: AppDeps;
  operator: OperatorBootstrap;
  /** Where a newly made operator token was written, if one was made. */
  operatorTokenFile: string | undefined;
  warnings: string[];
  close(): Promise<void>;
}

export const VERSION = '0.1.0';

/** Wires the adapters for a config and returns a server ready to listen. */
export async function assemble(config: Config): Promise<RunningKeyward> {
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const warnings: string[] = [];
  const store = await openStore(config.database);
  const closers: (() => Promise<void> | void)[] = [() => store.close()];
  try {
    const master = loadOrCreateMasterKey(config.masterKeyFile.path, config.masterKeyFile.mayCreate);
    if (master.warning) warnings.push(master.warning);
    const vault = new SoftwareVault(master.key, store.settings, () => randomIds.next('pk'));
    master.key.fill(0);
    await vault.init();
    closers.unshift(() => vault.close());

    const dataPlane = new SqliteCipherDataPlane({
      directory: join(config.dataDir, 'environments'),
      maxOpenHandles: config.openEnvironments,
    });
    closers.unshift(() => dataPlane.close());

    const devClock = config.devClock ? new DevClock(systemClock) : undefined;
    const deps: AppDeps = { store, vault, dataPlane, clock: devClock ?? systemClock, ids: randomIds };

    const operator = await bootstrapOperator(store, config.operatorToken);
    let operatorTokenFile: string | undefined;
    if (operator.kind === 'created') {
      operatorTokenFile = join(config.dataDir, 'operator-token');
      writeFileSync(operatorTokenFile, `${operator.token}\n`, { mode: 0o600 });
    }

    const app = await buildServer(deps, { logLevel: config.logLevel, bodyLimitBytes: config.bodyLimitBytes, devClock, version: VERSION });
    closers.unshift(() => app.close());
    return { app, deps, operator, operatorTokenFile, warnings, close: () => closeAll(closers) };
  } catch (error) {
    await closeAll(closers);
    throw error;
  }
}

/** Closes in order (server first, so in-flight requests finish before the stores go away). */
async function closeAll(closers: (() => Promise<void> | void)[]): Promise<void> {
  for (const close of closers) {
    try {
      await close();
    } catch {
      // Keep closing the rest: a half-closed process is worse than one error unreported.
    }
  }
}
