import type { FaultPoint, FaultPoints } from '../../ports/fault-points.js';

/**
 * The crash suite's fault points: armed with a point name and how many times it must be reached
 * first (`lock.after-vault-destroy#2` kills at its second reach), the process kills itself with
 * SIGKILL there, as `kill -9` would: no handler runs, no buffer is flushed, no transaction
 * commits. Unarmed (production), `reach` does nothing.
 */
export function faultPointsFor(armed: { point: FaultPoint; nth: number } | undefined): FaultPoints {
  if (armed === undefined) return { reach: () => undefined };
  let reached = 0;
  return {
    reach(point) {
      if (point !== armed.point) return;
      reached += 1;
      if (reached === armed.nth) process.kill(process.pid, 'SIGKILL');
    },
  };
}
