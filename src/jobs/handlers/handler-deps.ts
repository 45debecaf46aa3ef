import type { AppDeps } from '../../app/deps.js';
import { isKeywardError, KeywardError } from '../../domain/errors.js';
import type { Operation } from '../../domain/operation.js';

/** What operation handlers use: the app's ports (they run the second half of a use case). */
export type HandlerDeps = Pick<AppDeps, 'store' | 'vault' | 'dataPlane' | 'clock' | 'ids' | 'kick'>;

export function inputString(op: Operation, name: string): string {
  const value = op.input[name];
  if (typeof value !== 'string') throw new KeywardError('INTERNAL', `Operation ${op.id} lacks its ${name}.`);
  return value;
}

/** The actor recorded when the operation was queued, for the audit entry of its outcome. */
export const operationActor = (op: Operation): string => {
  const actor = op.input.actor;
  return typeof actor === 'string' ? actor : 'keyward';
};

/**
 * The runner fails an operation for good on a KeywardError and retries anything else. A vault
 * or store failure (`INTERNAL`: an HSM that hiccuped, a dropped connection) is worth retrying,
 * so handlers pass it on as a plain error; a rule's refusal stays final.
 */
export function asRetryable(error: unknown): unknown {
  if (isKeywardError(error) && error.code === 'INTERNAL') return new Error(error.detail, { cause: error });
  return error;
}

export const isFinalRefusal = (error: unknown): error is KeywardError => isKeywardError(error) && error.code !== 'INTERNAL';
