import { fail } from './errors.js';

/**
 * How much of the server one tenant may hold (SPEC F3), set by the operator. Each limit is
 * checked before the thing is made; reaching it answers CONFLICT naming the limit, since
 * retrying cannot help until something is removed.
 */
export interface Quotas {
  environmentsPerTenant: number;
  tablesPerEnvironment: number;
  /** Each backup is a full copy of the environment's database. */
  backupsPerEnvironment: number;
}

const WHAT: Record<keyof Quotas, { thing: string; per: string; remedy: string }> = {
  environmentsPerTenant: { thing: 'environments', per: 'tenant', remedy: 'delete one first' },
  tablesPerEnvironment: { thing: 'tables', per: 'environment', remedy: 'use another environment' },
  backupsPerEnvironment: { thing: 'backups', per: 'environment', remedy: 'reset the environment or ask the operator for a higher limit' },
};

/** Refuses making one more when `count` already reached the limit. */
export function assertWithinQuota(quotas: Quotas, limit: keyof Quotas, count: number): void {
  const max = quotas[limit];
  if (count < max) return;
  const { thing, per, remedy } = WHAT[limit];
  fail('CONFLICT', `The ${per} has ${count} ${thing}, the most allowed (limit: ${max} ${thing} per ${per}); ${remedy}.`);
}
