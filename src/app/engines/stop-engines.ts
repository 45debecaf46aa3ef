import { isExternalEngine, type MariaDbEngine } from '../../domain/engine.js';
import type { Environment } from '../../domain/environment.js';
import type { OperationResult } from '../../domain/operation.js';
import type { OperationContext } from '../../jobs/operation-handler.js';
import type { EngineFailure, EngineFailureReason } from '../../ports/engine.js';
import type { AppDeps } from '../deps.js';
import { engineAdminUrl } from './engine-admin.js';

/**
 * SPEC E4, the engine half of a lock: every external engine of the region's locking
 * environments is stopped through its admin connection *while its keys are still served* (a
 * running engine keeps its keys in memory and needs key versions while it shuts down), and
 * confirmed down. Only then is the stop recorded, from which moment the key service drops the
 * engine's requests and lets go of its DEK (serve-engine-keys.ts); lock-shred.ts destroys the
 * keys after this has run.
 *
 * An engine that cannot be stopped does not hold the lock hostage: transient failures (no
 * answer, not MariaDB, still up at the deadline) are tried three times, configuration ones (the
 * account refused, no SHUTDOWN privilege) once; then the lock goes on and destroys the keys all
 * the same, so the engine can never start again, and the operation fails naming the
 * environment and why (`failures`): that engine keeps running on the keys it holds until
 * someone stops it. Idempotent: a re-run skips the engines whose stop is recorded.
 */
export interface EngineLockReport {
  /** `result.environments` of the lock (API.md): from the lock's start to confirmed down. */
  environments: Array<{ id: string; inaccessibleAfterMs: number | null; error?: string }>;
  failures: Array<{ id: string; name: string; reason: EngineFailureReason; detail: string }>;
}

const ATTEMPTS = 3;
const RETRY_PAUSE_MS = 500;
/** Engines stopped at once: a lock of many engines waits for the slowest, not for their sum. */
const PARALLEL = 16;
const RETRIED: ReadonlySet<EngineFailureReason> = new Set(['unreachable', 'protocol', 'still-up']);

type EngineEnvironment = Environment & { engine: MariaDbEngine };

export async function stopEnginesOfLock(
  deps: AppDeps,
  ctx: OperationContext<'lock-tenant'>,
  envs: readonly Environment[],
): Promise<EngineLockReport> {
  const engines = envs.filter(
    (e): e is EngineEnvironment => isExternalEngine(e.engine) && (e.encryption.status === 'locking' || e.encryption.status === 'locked'),
  );
  const report: EngineLockReport = { environments: [], failures: [] };
  const lockStart = ctx.op.createdAt.getTime();
  const reported = (id: string, stoppedAt: Date): void => {
    report.environments.push({ id, inaccessibleAfterMs: Math.max(0, stoppedAt.getTime() - lockStart) });
  };

  await inParallel(engines, PARALLEL, async (env) => {
    if (env.engine.stoppedAt !== null) return reported(env.id, env.engine.stoppedAt);
    // A lock that committed before a crash has nothing left to stop: the engine got no keys since.
    if (env.encryption.status === 'locked') return;
    if (ctx.lost) return;
    const failure = await stopWithRetries(deps, env);
    if (failure) {
      report.environments.push({ id: env.id, inaccessibleAfterMs: null, error: failure.detail });
      report.failures.push({ id: env.id, name: env.name, reason: failure.reason, detail: failure.detail });
      return;
    }
    // Measured on the app clock, like the lock's start; recorded, so a re-run reports the same.
    const stoppedAt = deps.clock.now();
    await deps.store.environments.recordEngineStop(env.id, stoppedAt);
    deps.engines.deks.drop(env.id);
    deps.faults.reach('lock.after-engine-stop');
    reported(env.id, stoppedAt);
  });
  report.environments.sort((a, b) => a.id.localeCompare(b.id));
  return report;
}

async function stopWithRetries(deps: AppDeps, env: EngineEnvironment): Promise<EngineFailure | undefined> {
  let last: EngineFailure | undefined;
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    const outcome = await deps.engines.control.stop(await engineAdminUrl(deps.vault, env.id, env.engine));
    if (outcome.ok) return undefined;
    last = outcome;
    if (!RETRIED.has(outcome.reason)) break;
    if (attempt < ATTEMPTS) await new Promise((resolve) => setTimeout(resolve, RETRY_PAUSE_MS));
  }
  return last;
}

/** How the lock's result and audit entry show the engines. */
export function engineLockResult(report: EngineLockReport): OperationResult {
  return { environments: report.environments.map((e) => ({ ...e })) };
}

export function describeEngineLock(report: EngineLockReport): string {
  if (report.environments.length === 0) return '';
  const parts = report.environments.map((e) =>
    e.inaccessibleAfterMs === null ? `${e.id} NOT confirmed down` : `${e.id} down after ${e.inaccessibleAfterMs} ms`,
  );
  return `; engines: ${parts.join(', ')}`;
}

/** The operation's failure when some engine could not be stopped (the keys are destroyed all the same). */
export function engineFailureDetail(report: EngineLockReport): string {
  const names = report.failures.map((f) => `"${f.name}" (${f.id}): ${f.detail}`).join(' ');
  return (
    `The region's keys are destroyed, but ${report.failures.length} engine(s) could not be stopped: ${names} ` +
    'Each keeps running on the keys it holds in memory until it is stopped by hand, and cannot start again while locked.'
  );
}

async function inParallel<T>(items: readonly T[], width: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
}
