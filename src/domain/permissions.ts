import { fail } from './errors.js';
import { isEnvAdmin, type Principal } from './principal.js';

/**
 * The permission matrix (R19) in one table. Who may do what:
 * - operator: the provider's own actions, and support access to tenants' environments and data;
 *   never a tenant key or environment-encryption action (those are the tenant's alone).
 * - global-admin, service-admin: everything in their tenant (only global-admin adds people).
 * - env-admin: their one environment: read it, its data, its encryption, its backups.
 */
export type Action =
  | 'tenant.create'
  | 'tenant.read'
  | 'tenant.enableCmk'
  | 'user.add'
  | 'environment.create'
  | 'environment.list'
  | 'environment.read'
  | 'environment.delete'
  | 'data.read'
  | 'data.write'
  | 'key.read'
  | 'key.manage'
  | 'encryption.manage'
  | 'database.manage'
  | 'audit.read'
  | 'dev.clock'
  | 'metrics.read';

type Grantee = 'operator' | 'global-admin' | 'service-admin' | 'env-admin' | 'member';

const MATRIX: Record<Action, readonly Grantee[]> = {
  'tenant.create': ['operator'],
  'tenant.read': ['operator', 'member'],
  'tenant.enableCmk': ['operator'],
  'user.add': ['operator', 'global-admin'],
  'environment.create': ['operator', 'global-admin', 'service-admin'],
  'environment.list': ['operator', 'member'],
  'environment.read': ['operator', 'global-admin', 'service-admin', 'env-admin'],
  'environment.delete': ['operator', 'global-admin', 'service-admin'],
  'data.read': ['operator', 'global-admin', 'service-admin', 'env-admin'],
  'data.write': ['operator', 'global-admin', 'service-admin', 'env-admin'],
  'key.read': ['global-admin', 'service-admin'],
  'key.manage': ['global-admin', 'service-admin'],
  'encryption.manage': ['global-admin', 'service-admin', 'env-admin'],
  'database.manage': ['global-admin', 'service-admin', 'env-admin'],
  'audit.read': ['operator', 'global-admin', 'service-admin'],
  'dev.clock': ['operator'],
  'metrics.read': ['operator'],
};

export interface Target {
  tenantId?: string;
  environmentId?: string;
}

function holds(p: Principal, grantee: Grantee, target: Target): boolean {
  if (grantee === 'operator') return p.kind === 'operator';
  if (p.kind !== 'user') return false;
  if (target.tenantId !== undefined && p.tenantId !== target.tenantId) return false;
  if (target.tenantId === undefined) return false;
  switch (grantee) {
    case 'member':
      return true;
    case 'global-admin':
    case 'service-admin':
      return p.roles.some((r) => r.role === grantee);
    case 'env-admin':
      return target.environmentId !== undefined && isEnvAdmin(p, target.tenantId, target.environmentId);
  }
}

export function isAllowed(p: Principal, action: Action, target: Target): boolean {
  return MATRIX[action].some((g) => holds(p, g, target));
}

/**
 * The one wording of "no such thing", for a target that does not exist and for another tenant's
 * alike: if the two differed, the text would tell a prober which ids exist (the status is 404
 * either way).
 */
export const notFoundDetail = (kind: 'tenant' | 'environment' | 'key' | 'operation' | 'backup', id: string): string => `No ${kind} ${id}.`;

/**
 * Throws unless allowed. A caller from another tenant learns nothing: 404, as if the target did
 * not exist, with the same `notFound` detail the caller's lookup gives an id that does not exist.
 * A member of the tenant, or the operator, lacking the role gets 403.
 */
export function authorize(p: Principal, action: Action, target: Target, notFound = 'Not found.'): void {
  if (isAllowed(p, action, target)) return;
  if (p.kind === 'user' && target.tenantId !== undefined && p.tenantId !== target.tenantId) {
    fail('NOT_FOUND', notFound);
  }
  fail('FORBIDDEN', `Your roles do not allow ${action} here.`);
}
