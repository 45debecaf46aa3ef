/**
 * Named moments between two steps of a use case or an operation, where the crash suite kills
 * the server (`kill -9` at an exact step boundary, deterministically: SPEC L2, L3). In
 * production nothing is armed and `reach` does nothing. Names say what has just happened.
 */
export const FAULT_POINTS = [
  'key-custody.after-intent',
  'key-custody.after-vault-import',
  'key-custody.after-commit',
  'exchange-key.after-intent',
  'exchange-key.after-vault-import',
  'activate.after-rewrap-batch',
  'activate.before-finish',
  'lock.after-engine-stop',
  'lock.after-engine-stops',
  'lock.after-vault-destroy',
  'lock.before-finish',
  'unlock-key.after-intent',
  'unlock-key.after-vault-import',
  'protection.after-pending-dek',
  'protection.after-rekey',
  'protection.before-commit',
  'unlock-environment.before-commit',
  'reset.after-shred',
  'replace.after-files',
  'engine-rotation.before-commit',
] as const;
export type FaultPoint = (typeof FAULT_POINTS)[number];

export interface FaultPoints {
  reach(point: FaultPoint): void;
}

export const noFaults: FaultPoints = { reach: () => undefined };
