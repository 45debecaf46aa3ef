import { createContext, useContext } from 'react';
import type { Tenant } from '../api/types';

/** The tenant being managed, chosen after sign-in; every page below the picker works in it. */
export interface TenantSession {
  tenant: Tenant;
  reloadTenant: () => void;
}

export const TenantContext = createContext<TenantSession | null>(null);

export function useTenant(): TenantSession {
  const session = useContext(TenantContext);
  if (!session) throw new Error('useTenant outside a chosen tenant');
  return session;
}
