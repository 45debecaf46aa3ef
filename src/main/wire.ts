import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../app/deps.js';
import { bootstrapOperator, type OperatorBootstrap } from '../app/bootstrap-operator.js';
import { giveUpHandlers, operationHandlers } from '../app/operation-handlers.js';
import { periodicTasks } from '../app/periodic-tasks.js';
import { reconcileVault } from '../app/keys/reconcile-vault.js';
import { faultPointsFor } from '../adapters/faults/kill-at-fault-point.js';
import { DevClock } from '../adapters/clock/dev-clock.js';
import { systemClock } from '../adapters/clock/system-clock.js';
import { randomIds } from '../adapters/random-ids.js';
import { openStore } from '../adapters/store/open-store.js';
import { SqliteCipherDataPlane } from '../adapters/dataplane/sqlite-cipher-data-plane.js';
import { MariaDbEngineControl } from '../adapters/engines/mariadb/mariadb-engine-control.js';
import { EngineDekCache } from '../app/engines/engine-dek-cache.js';
import { PooledKeyFileWork } from '../adapters/key-files/pooled-key-file-work.js';
import { OutboxMailer } from '../adapters/mail/outbox-mailer.js';
import { SmtpMailer } from '../adapters/mail/smtp-mailer.js';
import { OperationRunner } from '../jobs/operation-runner.js';
import { NotificationDispatcher } from '../jobs/notification-dispatcher.js';
import { PeriodicWork } from '../jobs/periodic-work.js';
import { buildServer } from '../http/build-server.js';
import type { Vault } from '../ports/vault.js';
import type { Config } from './config.js';
import { openVault } from './open-vault.js';

export interface RunningKeyward {
  app: FastifyInstance;
  deps: AppDeps;
  operator: OperatorBootstrap;
  /** Where a newly made operator token was written, if one was made. */
  operatorTokenFile: string | undefined;
  warnings: string[];
  /** Starts the background work (operations, notifications, handle sweeps). */
  startBackground(): void;
  close(): Promise<void>;
}

export const VERSION = '0.1.0';

type Closer = () => Promise<void> | void;

/** Wires the adapters for a config and returns a server ready to listen. */
export async function assemble(config: Config): Promise<RunningKeyward> {
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const warnings: string[] = [];
  const store = await openStore(config.database);
  const closers: Closer[] = [() => store.close()];
  try {
    const vault: Vault = await openVault(config, store, warnings);
    closers.unshift(() => vault.close());

    const dataPlane = new SqliteCipherDataPlane({
      directory: join(config.dataDir, 'environments'),
      backupDirectory: join(config.dataDir, 'backups'),
      maxOpenHandles: config.openEnvironments,
      maxPageBytes: config.rowPageBytes,
    });
    closers.unshift(() => dataPlane.close());

    const devClock = config.devClock ? new DevClock(systemClock, store.settings) : undefined;
    await devClock?.refresh();
    const clock = devClock ?? systemClock;
    const keyFileWork = new PooledKeyFileWork({
      threads: config.keyFiles.threads,
      queuePerTenant: config.keyFiles.queuePerTenant,
      now: () => clock.now(),
    });
    closers.unshift(() => keyFileWork.close());
    // Unique per process even when two are given one KEYWARD_INSTANCE_ID: leases are fenced by it.
    const owner = `${config.instanceId ?? `${hostname()}:${process.pid}`}:${randomIds.next('run').slice(4, 12)}`;

    let runner: OperationRunner | undefined;
    let dispatcher: NotificationDispatcher | undefined;
    const deps: AppDeps = {
      store,
      vault,
      dataPlane,
      clock,
      realClock: systemClock,
      ids: randomIds,
      kick: { operations: () => runner?.kick(), notifications: () => dispatcher?.kick() },
      keyFiles: { pfxIterations: config.pfxIterations, work: keyFileWork },
      limits: { quotas: config.quotas, passwordFailures: config.passwordFailures },
      faults: faultPointsFor(config.killAt),
      custodyTimeoutMs: config.custodyTimeoutMs,
      lockRotatesMasterKey: config.lockRotatesMasterKey,
      // Deadlines of stops and probes run on real time: moving the dev clock must not cut them short.
      engines: { control: new MariaDbEngineControl({ clock: systemClock }), deks: new EngineDekCache() },
    };
    closers.push(() => deps.engines.deks.clear());

    // SPEC L2: before any request, the vault holds nothing that no live record owns (a custody
    // whose request died with the previous process is given back here).
    const reconciled = await reconcileVault(deps);
    const operator = await bootstrapOperator(store, config.operatorToken);
    let operatorTokenFile: string | undefined;
    if (operator.kind === 'created') {
      operatorTokenFile = join(config.dataDir, 'operator-token');
      writeFileSync(operatorTokenFile, `${operator.token}\n`, { mode: 0o600 });
    }

    const app = await buildServer(deps, {
      logLevel: config.logLevel,
      bodyLimitBytes: config.bodyLimitBytes,
      devClock,
      version: VERSION,
      limits: config.http,
      engines: { publicUrl: config.publicUrl },
      https: config.tls && { cert: readFileSync(config.tls.certFile), key: readFileSync(config.tls.keyFile) },
    });
    if (!config.tls && !isLoopback(config.host)) {
      warnings.push(
        `Serving plain HTTP on ${config.host}: bearer tokens, engine tokens and engine keys would cross the network in the clear; set KEYWARD_TLS_CERT_FILE and KEYWARD_TLS_KEY_FILE (or put a TLS proxy in front).`,
      );
    }
    closers.unshift(() => app.close());
    const log = (event: object) => {
      const name = 'event' in event ? String(event.event) : '';
      if (/fail|given-up|crash|error|lost|abandon/.test(name)) app.log.warn(event, 'background');
      else app.log.info(event, 'background');
    };

    const startBackground = () => {
      // Leases and retry backoff run on real time: moving the dev clock must not expire them.
      runner = new OperationRunner({
        store,
        handlers: operationHandlers(deps),
        onGiveUp: giveUpHandlers(deps),
        leaseClock: systemClock,
        finishClock: clock,
        owner,
        leaseMs: config.operationLeaseMs,
        maxAttempts: config.operationMaxAttempts,
        pollMs: Math.min(1_000, config.operationLeaseMs),
        log,
      });
      dispatcher = new NotificationDispatcher({ store, mailer: mailerFor(config), from: config.mail.from, clock: systemClock, log });
      const periodic = new PeriodicWork(periodicTasks(deps, { log, ...(devClock ? { refreshClock: () => devClock.refresh() } : {}) }), log);
      // Stop taking work before the server closes: in-flight operations finish or are taken over.
      closers.unshift(
        () => periodic.stop(),
        () => runner?.stop(),
        () => dispatcher?.stop(),
      );
      runner.start();
      dispatcher.start();
      periodic.start();
    };
    app.log.info({ event: 'vault.reconciled', ...reconciled }, 'vault reconciled with the store at start');
    return { app, deps, operator, operatorTokenFile, warnings, startBackground, close: () => closeAll(closers) };
  } catch (error) {
    await closeAll(closers);
    throw error;
  }
}

const isLoopback = (host: string): boolean => host === 'localhost' || host === '::1' || /^127\./.test(host);

function mailerFor(config: Config) {
  return config.mail.smtpUrl ? new SmtpMailer(config.mail.smtpUrl) : new OutboxMailer({ dataDir: config.dataDir });
}

/** Closes in order (background first, then the server, so in-flight requests finish before the stores go away). */
async function closeAll(closers: Closer[]): Promise<void> {
  for (const close of closers) {
    try {
      await close();
    } catch {
      // Keep closing the rest: a half-closed process is worse than one error unreported.
    }
  }
}
