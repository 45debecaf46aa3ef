/**
 * What the session remembers, in sessionStorage only: it ends with the tab, and a bearer token
 * must not outlive it (localStorage would keep it on disk for any later visitor of the machine).
 */
const TOKEN = 'keyward.token';
const TENANT = 'keyward.tenantId';
const CREATED = 'keyward.createdTenants';

export interface RememberedTenant {
  id: string;
  name: string;
}

const isRememberedTenant = (t: unknown): t is RememberedTenant =>
  typeof t === 'object' && t !== null && typeof (t as RememberedTenant).id === 'string' && typeof (t as RememberedTenant).name === 'string';

export const sessionStore = {
  token: (): string | null => sessionStorage.getItem(TOKEN),
  setToken: (token: string): void => sessionStorage.setItem(TOKEN, token),
  tenantId: (): string | null => sessionStorage.getItem(TENANT),
  setTenantId: (id: string | null): void => (id === null ? sessionStorage.removeItem(TENANT) : sessionStorage.setItem(TENANT, id)),
  createdTenants(): RememberedTenant[] {
    try {
      const parsed: unknown = JSON.parse(sessionStorage.getItem(CREATED) ?? '[]');
      return Array.isArray(parsed) ? parsed.filter(isRememberedTenant) : [];
    } catch {
      return [];
    }
  },
  rememberTenant(tenant: RememberedTenant): void {
    const others = sessionStore.createdTenants().filter((t) => t.id !== tenant.id);
    sessionStorage.setItem(CREATED, JSON.stringify([tenant, ...others]));
  },
  clear: (): void => sessionStorage.clear(),
};
