import type { Principal } from '../domain/principal.js';
import { fail } from '../domain/errors.js';
import type { Store } from '../ports/store.js';
import { hashToken, sameHash, TOKEN_SHAPE } from './tokens.js';

export const OPERATOR_TOKEN_SETTING = 'operator.tokenHash';
const OPERATOR_ID = 'operator';

/**
 * The operator's token hash, read once per store: it is fixed at first start and never changes,
 * so every request need not read it again.
 */
const operatorHashes = new WeakMap<Store, Buffer>();

async function operatorHashOf(store: Store): Promise<Buffer | undefined> {
  const known = operatorHashes.get(store);
  if (known) return known;
  const stored = await store.settings.get(OPERATOR_TOKEN_SETTING);
  if (stored === undefined) return undefined;
  const hash = Buffer.from(stored, 'hex');
  operatorHashes.set(store, hash);
  return hash;
}

/** Resolves a bearer token to its principal, or refuses with 401 and nothing more. */
export async function authenticate(store: Store, token: string | undefined): Promise<Principal> {
  const refuse = (): never => fail('UNAUTHENTICATED', 'Send a valid token as "Authorization: Bearer <token>".');
  if (!token || !TOKEN_SHAPE.test(token)) return refuse();
  const hash = hashToken(token);

  const operatorHash = await operatorHashOf(store);
  if (operatorHash !== undefined && sameHash(operatorHash, hash)) {
    return { kind: 'operator', id: OPERATOR_ID };
  }
  const record = await store.users.findByTokenHash(hash);
  if (!record || !sameHash(record.tokenHash, hash)) return refuse();
  const { user } = record;
  return { kind: 'user', id: user.id, tenantId: user.tenantId, email: user.email, roles: user.roles };
}
