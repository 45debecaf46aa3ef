import mariadb from 'mariadb';
import type { Connection } from 'mariadb';
import { engineAddress, parseEngineAdminUrl, type EngineAdminTarget } from '../../../domain/engine-admin-url.js';
import type { Clock } from '../../../ports/clock.js';
import type { EngineControl, EngineFailure, EngineFailureReason, EngineKeyUsage, EngineProbe, EngineStopOutcome } from '../../../ports/engine.js';
import { classifyConnectorError, describeFault } from './connector-errors.js';
import { confirmDown } from './confirm-down.js';
import { tcpReachability } from './tcp-reachability.js';
import { readKeyUsage } from './key-usage.js';

export interface MariaDbEngineControlOptions {
  clock: Clock;
  /** How the confirmation loop waits between attempts; injectable so unit tests need not sleep. */
  delay?: (ms: number) => Promise<void>;
  /** Per connection attempt (TCP or MariaDB handshake). */
  connectTimeoutMs?: number;
  /** How long after SHUTDOWN the engine has to be confirmed down before stop() gives up. */
  downDeadlineMs?: number;
  pollIntervalMs?: number;
  /** Consecutive refused connections that confirm "down" (one could be a listener restarting). */
  refusalsToConfirm?: number;
}

const realDelay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * MariaDB through its admin account (SHUTDOWN, and PROCESS for key versions), with MariaDB's own
 * Node connector.
 *
 * "Confirmed down" means: `refusalsToConfirm` consecutive TCP connection attempts to the engine's
 * port, `pollIntervalMs` apart, were refused (RST), within `downDeadlineMs` of the SHUTDOWN. A
 * timeout or a missing route resets the count: a partition must never pass for a stopped engine.
 * MariaDB closes its listener early in a shutdown, before InnoDB has flushed its last pages; the
 * process may still fetch key versions for a moment after the port refuses, which is why the key
 * service must drop connections (never answer an error) to a locked environment's engine
 * (docs/mariadb.md, "What a lock does").
 */
export class MariaDbEngineControl implements EngineControl {
  readonly kind = 'mariadb' as const;
  private readonly clock: Clock;
  private readonly delay: (ms: number) => Promise<void>;
  private readonly connectTimeoutMs: number;
  private readonly downDeadlineMs: number;
  private readonly pollIntervalMs: number;
  private readonly refusalsToConfirm: number;

  constructor(options: MariaDbEngineControlOptions) {
    this.clock = options.clock;
    this.delay = options.delay ?? realDelay;
    this.connectTimeoutMs = options.connectTimeoutMs ?? 3_000;
    this.downDeadlineMs = options.downDeadlineMs ?? 60_000;
    this.pollIntervalMs = options.pollIntervalMs ?? 100;
    this.refusalsToConfirm = Math.max(1, options.refusalsToConfirm ?? 3);
  }

  async stop(adminUrl: string): Promise<EngineStopOutcome> {
    const target = parseEngineAdminUrl(adminUrl);
    const startedAt = this.clock.now();
    const failed = (failure: EngineFailure): EngineStopOutcome => ({ ...failure, tookMs: this.clock.now().getTime() - startedAt.getTime() });

    const first = await tcpReachability(target.host, target.port, this.connectTimeoutMs);
    let alreadyDown = first === 'refused';
    if (!alreadyDown) {
      const connected = await this.connect(target);
      if (connected === 'refused') alreadyDown = true;
      else if (!isConnection(connected)) return failed(connected);
      else {
        const shutdown = await this.shutdown(connected, target);
        if (shutdown) return failed(shutdown);
      }
    }
    const confirmed = await this.confirmDown(target, startedAt);
    if (confirmed !== 'down') return failed(this.failure(confirmed, target));
    const confirmedDownAt = this.clock.now();
    return { ok: true, alreadyDown, startedAt, confirmedDownAt, tookMs: confirmedDownAt.getTime() - startedAt.getTime() };
  }

  async probe(adminUrl: string): Promise<EngineProbe> {
    const target = parseEngineAdminUrl(adminUrl);
    const connected = await this.connect(target);
    if (connected === 'refused') return { state: 'down' };
    if (!isConnection(connected)) {
      if (connected.reason === 'auth-failed') return { state: 'up', serverVersion: undefined, admin: 'refused' };
      return { state: 'unknown', reason: connected.reason === 'unreachable' ? 'unreachable' : 'protocol', detail: connected.detail };
    }
    try {
      return { state: 'up', serverVersion: connected.serverVersion(), admin: 'ok' };
    } finally {
      await close(connected);
    }
  }

  async minKeyVersionInUse(adminUrl: string): Promise<EngineKeyUsage> {
    const target = parseEngineAdminUrl(adminUrl);
    const connected = await this.connect(target);
    if (connected === 'refused') return this.failure('unreachable', target, 'ECONNREFUSED');
    if (!isConnection(connected)) return connected;
    try {
      return await readKeyUsage(connected);
    } catch (error) {
      const fault = classifyConnectorError(error);
      return fault.kind === 'refused' ? this.failure('unreachable', target) : this.failure(fault.reason, target, fault.errno);
    } finally {
      await close(connected);
    }
  }

  /** A connection, 'refused' (nothing listens), or why there is none. */
  private async connect(target: EngineAdminTarget): Promise<Connection | 'refused' | EngineFailure> {
    try {
      const connection = await mariadb.createConnection({
        host: target.host,
        port: target.port,
        user: target.user,
        password: target.password,
        connectTimeout: this.connectTimeoutMs,
        socketTimeout: 10_000,
        bigIntAsNumber: true,
        decimalAsNumber: true,
      });
      // A server that goes away mid-call emits 'error'; unheard, it would crash the process.
      connection.on('error', () => undefined);
      return connection;
    } catch (error) {
      const fault = classifyConnectorError(error);
      return fault.kind === 'refused' ? 'refused' : this.failure(fault.reason, target, fault.errno);
    }
  }

  /** Sends SHUTDOWN; undefined when the server took it (or closed on us while taking it). */
  private async shutdown(connection: Connection, target: EngineAdminTarget): Promise<EngineFailure | undefined> {
    try {
      await connection.query('SHUTDOWN');
      return undefined;
    } catch (error) {
      const fault = classifyConnectorError(error);
      // The server closing our connection while it shuts down is success, not failure.
      if (fault.kind === 'refused' || fault.reason === 'unreachable') return undefined;
      return this.failure(fault.reason, target, fault.errno);
    } finally {
      connection.destroy();
    }
  }

  private confirmDown(target: EngineAdminTarget, startedAt: Date): Promise<'down' | 'still-up' | 'unreachable'> {
    return confirmDown({
      clock: this.clock,
      delay: this.delay,
      reach: () => tcpReachability(target.host, target.port, this.connectTimeoutMs),
      startedAt,
      deadlineMs: this.downDeadlineMs,
      pollIntervalMs: this.pollIntervalMs,
      refusalsToConfirm: this.refusalsToConfirm,
    });
  }

  private failure(reason: EngineFailureReason, target: EngineAdminTarget, errno?: number | string): EngineFailure {
    return { ok: false, reason, detail: describeFault(reason, engineAddress(target), target.user, errno) };
  }
}

const isConnection = (value: Connection | 'refused' | EngineFailure): value is Connection => typeof value === 'object' && !('ok' in value);

async function close(connection: Connection): Promise<void> {
  await connection.end().catch(() => connection.destroy());
}
