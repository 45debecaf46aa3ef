import { unwrap } from '../api/client';
import type { Environment } from '../api/types';
import { useConnection } from '../session/ConnectionContext';
import { useApiData } from '../common/useApiData';

/** The tenant's environments other than `env`: the targets a restore or copy may overwrite. */
export function useOtherEnvironments(env: Environment): Environment[] | undefined {
  const { api } = useConnection();
  const list = useApiData(
    () => unwrap(api.GET('/v1/tenants/{tenantId}/environments', { params: { path: { tenantId: env.tenantId } } })),
    [env.tenantId],
  );
  return list.data?.items.filter((e) => e.id !== env.id);
}
