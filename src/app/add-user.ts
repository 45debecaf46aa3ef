import { fail } from '../domain/errors.js';
import type { Principal, Role, User } from '../domain/principal.js';
import type { AppDeps } from './deps.js';
import { loadTenantFor } from './load.js';
import { hashToken, newToken } from './tokens.js';

export interface AddUserInput {
  email: string;
  roles: Role[];
}

/** Adds a person to a tenant and returns their token, which is shown this once and never again. */
export async function addUser(deps: AppDeps, actor: Principal, tenantId: string, input: AddUserInput): Promise<{ user: User; token: string }> {
  return deps.store.transaction(async (tx) => {
    await loadTenantFor(tx, actor, tenantId, 'user.add');
    if (input.roles.length === 0) fail('VALIDATION_FAILED', 'Give the user at least one role.');
    for (const role of input.roles) {
      if (role.role !== 'env-admin') continue;
      const env = await tx.environments.get(role.environmentId);
      if (!env || env.tenantId !== tenantId || env.encryption.status === 'deleted') {
        fail('VALIDATION_FAILED', `Environment ${role.environmentId} is not an environment of this tenant.`);
      }
    }
    if (await tx.users.emailExists(tenantId, input.email)) {
      fail('CONFLICT', `The tenant already has a user with e-mail ${input.email}.`);
    }
    const token = newToken();
    const user: User = {
      id: deps.ids.next('usr'),
      tenantId,
      email: input.email,
      roles: input.roles,
      createdAt: deps.clock.now(),
    };
    await tx.users.insert({ user, tokenHash: hashToken(token) });
    return { user, token };
  });
}
