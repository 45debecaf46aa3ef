import { useCallback, useMemo, useState } from 'react';
import { Spinner } from '@fluentui/react-components';
import { unwrap } from '../api/client';
import { useConnection } from '../session/ConnectionContext';
import { sessionStore } from '../session/session-storage';
import { navigate, useRoute } from '../router';
import { useApiData } from '../common/useApiData';
import { AppShell } from '../shell/AppShell';
import { Pages } from '../shell/Pages';
import { TenantContext, type TenantSession } from './TenantContext';
import { TenantPickerPage } from './TenantPickerPage';

/** Every page works in one tenant: pick it first (or again from /tenants), then load it. */
export function TenantGate() {
  const route = useRoute();
  const { api } = useConnection();
  const [tenantId, setTenantId] = useState(sessionStore.tenantId);
  const tenant = useApiData(() => unwrap(api.GET('/v1/tenants/{tenantId}', { params: { path: { tenantId: tenantId ?? '' } } })), [tenantId], {
    skip: !tenantId,
  });

  const choose = useCallback((id: string) => {
    sessionStore.setTenantId(id);
    setTenantId(id);
    navigate('/environments');
  }, []);

  const loaded = tenant.data && tenant.data.id === tenantId ? tenant.data : undefined;
  const session = useMemo<TenantSession | undefined>(
    () => (loaded ? { tenant: loaded, reloadTenant: tenant.reload } : undefined),
    [loaded, tenant.reload],
  );

  if (!tenantId || route.page === 'tenants' || (tenant.problem && !loaded)) {
    return (
      <AppShell tenant={undefined}>
        <TenantPickerPage onChoose={choose} problem={route.page === 'tenants' ? undefined : tenant.problem} />
      </AppShell>
    );
  }
  if (!session) {
    return (
      <AppShell tenant={undefined}>
        <Spinner label="Loading the tenant…" />
      </AppShell>
    );
  }
  return (
    <TenantContext.Provider value={session}>
      <AppShell tenant={session.tenant}>
        <Pages route={route} />
      </AppShell>
    </TenantContext.Provider>
  );
}
