import type { Store } from '../ports/store.js';
import { OPERATOR_TOKEN_SETTING } from './authenticate.js';
import { hashToken, newToken, sameHash } from './tokens.js';

export type OperatorBootstrap =
  | { kind: 'existing' }
  /** A token was made on this start: the caller shows it once and stores it for the operator. */
  | { kind: 'created'; token: string }
  | { kind: 'configured' };

/**
 * The operator's token is fixed on first start: the configured one, or a new one. Later starts
 * keep the stored hash; a configured token that differs is refused rather than silently ignored.
 */
export async function bootstrapOperator(store: Store, configured: string | undefined): Promise<OperatorBootstrap> {
  const stored = await store.settings.get(OPERATOR_TOKEN_SETTING);
  if (stored !== undefined) {
    if (configured !== undefined && !sameHash(Buffer.from(stored, 'hex'), hashToken(configured))) {
      throw new Error('KEYWARD_OPERATOR_TOKEN does not match the operator token this data was set up with; unset it or use the original token.');
    }
    return { kind: 'existing' };
  }
  const token = configured ?? newToken();
  const winner = await store.settings.putIfAbsent(OPERATOR_TOKEN_SETTING, hashToken(token).toString('hex'));
  if (!sameHash(Buffer.from(winner, 'hex'), hashToken(token))) {
    // Another instance set it up first; our token was never valid.
    if (configured !== undefined) throw new Error('Another instance set a different operator token first.');
    return { kind: 'existing' };
  }
  return configured !== undefined ? { kind: 'configured' } : { kind: 'created', token };
}
