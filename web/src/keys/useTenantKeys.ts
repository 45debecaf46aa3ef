import { unwrap } from '../api/client';
import type { Key } from '../api/types';
import { useConnection } from '../session/ConnectionContext';
import { useTenant } from '../tenants/TenantContext';
import { useApiData, type ApiData } from '../common/useApiData';

/**
 * The tenant's keys, kept current while one is Installing. Not asked for when the tenant has
 * no customer-managed keys (the answer would only be CMK_NOT_ENABLED) or the server lacks the route.
 */
export function useTenantKeys(options: { skip?: boolean } = {}): ApiData<{ items: Key[] }> & { offered: boolean } {
  const { api, offers } = useConnection();
  const { tenant } = useTenant();
  const offered = offers('/v1/tenants/{tenantId}/keys', 'get');
  const data = useApiData(() => unwrap(api.GET('/v1/tenants/{tenantId}/keys', { params: { path: { tenantId: tenant.id } } })), [tenant.id], {
    skip: !offered || !tenant.cmkEnabled || options.skip === true,
    pollWhile: (list) => list.items.some((k) => k.state === 'Installing'),
  });
  return { ...data, offered };
}
