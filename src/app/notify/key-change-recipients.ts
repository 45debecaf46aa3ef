import type { UserRepo } from '../../ports/store.js';

/**
 * Who is told of a key change (R10): every global-admin and service-admin of the tenant.
 * Each address once, compared case-insensitively (one person may hold both roles, or be listed
 * under two spellings); the first spelling is kept, in the order users were added.
 */
export async function keyChangeRecipients(users: Pick<UserRepo, 'listByTenant'>, tenantId: string): Promise<string[]> {
  const seen = new Set<string>();
  const recipients: string[] = [];
  for (const user of await users.listByTenant(tenantId)) {
    if (!user.roles.some((r) => r.role === 'global-admin' || r.role === 'service-admin')) continue;
    const key = user.email.normalize('NFC').toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    recipients.push(user.email);
  }
  return recipients;
}
