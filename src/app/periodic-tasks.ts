import type { PeriodicTask } from '../jobs/periodic-work.js';
import { releaseReplacedHandles } from './backups/release-replaced-handles.js';
import { purgeLockedEnvironments } from './backups/purge-locked-environments.js';
import type { AppDeps } from './deps.js';
import { evictUnusableHandles } from './evict-unusable-handles.js';
import { reconcileVault } from './keys/reconcile-vault.js';

export interface PeriodicTaskOptions {
  /** Moves the shared dev clock forward on this instance too (when it is on). */
  refreshClock?: () => Promise<void>;
  log: (event: object) => void;
}

/**
 * Every instance's periodic work, run by jobs/periodic-work.ts:
 * - handle sweep (1 s): drop the open handles (and so the DEKs) of environments another instance
 *   locked or deleted, and let go of files a restore, copy, reset or re-key elsewhere replaces;
 * - purge (2 s of real time; it compares the app clock, which the dev clock can move 28 days in
 *   one request): R14's 28-day purge, once across instances by compare-and-set;
 * - vault reconciliation (1 min): custodies whose request died, expired key-exchange keys, and
 *   vault objects no live record owns (SPEC L2). It also runs once at start, before requests.
 */
export function periodicTasks(deps: AppDeps, options: PeriodicTaskOptions): PeriodicTask[] {
  const { log } = options;
  return [
    {
      name: 'handle-sweep',
      intervalMs: 1_000,
      run: async () => {
        await options.refreshClock?.();
        await evictUnusableHandles(deps);
        // A restore, copy, reset or re-key on another instance waits for this one to let go of the file.
        await releaseReplacedHandles(deps);
      },
    },
    {
      name: 'purge',
      intervalMs: 2_000,
      run: async () => {
        const purged = await purgeLockedEnvironments(deps);
        if (purged.length === 0) return;
        log({ event: 'environment.purged', environments: purged });
        deps.kick.notifications();
      },
    },
    {
      name: 'vault-reconciliation',
      intervalMs: 60_000,
      run: async () => {
        const done = await reconcileVault(deps);
        if (done.reclaimed + done.exchangeKeysDestroyed + done.orphansDestroyed > 0) log({ event: 'vault.reconciled', ...done });
      },
    },
  ];
}
