/**
 * The lifecycle of an environment's encryption status, as one table. Nobody writes a status
 * but through a named move below: the store's compare-and-set takes a move, not a status.
 *
 *   ready ──begin-update──▶ updating ──end-update──▶ ready        (apply, return, restore, copy, reset)
 *   ready ──begin-lock──▶ locking ──end-lock──▶ locked             (R13)
 *   locked ──begin-unlock──▶ unlocking ──end-unlock──▶ ready       (R15; undo-unlock goes back)
 *   ready, locked ──delete──▶ deleted;  locked ──purge──▶ deleted  (R14, R18's delete)
 */
export const ENCRYPTION_STATUSES = ['ready', 'updating', 'locking', 'locked', 'unlocking', 'deleted'] as const;
export type EncryptionStatus = (typeof ENCRYPTION_STATUSES)[number];

export const STATUS_MOVES = {
  'begin-update': { from: ['ready'], to: 'updating' },
  'end-update': { from: ['updating'], to: 'ready' },
  'begin-lock': { from: ['ready'], to: 'locking' },
  'end-lock': { from: ['locking'], to: 'locked' },
  'begin-unlock': { from: ['locked'], to: 'unlocking' },
  'end-unlock': { from: ['unlocking'], to: 'ready' },
  'undo-unlock': { from: ['unlocking'], to: 'locked' },
  delete: { from: ['ready', 'locked'], to: 'deleted' },
  purge: { from: ['locked'], to: 'deleted' },
} as const satisfies Record<string, { from: readonly EncryptionStatus[]; to: EncryptionStatus }>;

export type StatusMove = keyof typeof STATUS_MOVES;

export const movesFrom = (move: StatusMove): readonly EncryptionStatus[] => STATUS_MOVES[move].from;
export const movesTo = (move: StatusMove): EncryptionStatus => STATUS_MOVES[move].to;

/**
 * Locked for every rule that says "locked" (R9, R14, R15, L1): a lock in progress counts, since
 * from its first commit the data answers 423 and the keys are on their way out.
 */
export const LOCKED_STATUSES: readonly EncryptionStatus[] = ['locked', 'locking'];
export const isLocked = (status: EncryptionStatus): boolean => LOCKED_STATUSES.includes(status);

/** Data is served only when ready; every other status is another operation's business. */
export const isReady = (status: EncryptionStatus): boolean => status === 'ready';

/** Statuses in which this process may keep an environment's database open (and so its DEK). */
export const mayHoldOpenHandle = (status: EncryptionStatus | undefined): boolean =>
  status === 'ready' || status === 'updating' || status === 'unlocking';
