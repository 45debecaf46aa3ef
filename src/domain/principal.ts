/** Who is calling. The operator belongs to no tenant; everyone else belongs to exactly one. */
export type Role = { role: 'global-admin' } | { role: 'service-admin' } | { role: 'env-admin'; environmentId: string };

export type RoleName = Role['role'];

export type Principal = { kind: 'operator'; id: string } | { kind: 'user'; id: string; tenantId: string; email: string; roles: Role[] };

export interface User {
  id: string;
  tenantId: string;
  email: string;
  roles: Role[];
  createdAt: Date;
}

export const isTenantAdmin = (p: Principal, tenantId: string): boolean =>
  p.kind === 'user' && p.tenantId === tenantId && p.roles.some((r) => r.role === 'global-admin' || r.role === 'service-admin');

export const isEnvAdmin = (p: Principal, tenantId: string, environmentId: string): boolean =>
  p.kind === 'user' && p.tenantId === tenantId && p.roles.some((r) => r.role === 'env-admin' && r.environmentId === environmentId);
