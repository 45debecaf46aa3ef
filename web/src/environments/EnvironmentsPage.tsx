import { useState } from 'react';
import { Body1, Toolbar, ToolbarButton, useRestoreFocusTarget } from '@fluentui/react-components';
import { unwrap } from '../api/client';
import { useConnection } from '../session/ConnectionContext';
import { useTenant } from '../tenants/TenantContext';
import { navigate } from '../router';
import { PageHeading } from '../common/PageHeading';
import { ProblemBar } from '../common/ProblemBar';
import { useApiData } from '../common/useApiData';
import { EnvironmentTable } from './EnvironmentTable';
import { EnvironmentCards } from './EnvironmentCards';
import { useNarrow } from '../common/useNarrow';
import { NewEnvironmentDialog } from './NewEnvironmentDialog';
import { isTransitional } from './environment-types';
import { useTenantKeys } from '../keys/useTenantKeys';

/** The Environments tab: every environment with its encryption mode, status and key. */
export function EnvironmentsPage() {
  const { api } = useConnection();
  const { tenant } = useTenant();
  const [creating, setCreating] = useState(false);
  const restoreFocus = useRestoreFocusTarget();
  const narrow = useNarrow();
  const environments = useApiData(
    () => unwrap(api.GET('/v1/tenants/{tenantId}/environments', { params: { path: { tenantId: tenant.id } } })),
    [tenant.id],
    { pollWhile: (list) => list.items.some(isTransitional) },
  );
  const items = environments.data?.items;
  // Key names only matter when some environment uses a tenant key (and env-admins may not read keys).
  const keys = useTenantKeys({ skip: !items?.some((e) => e.encryption.mode === 'tenant') });

  return (
    <>
      <PageHeading>Environments</PageHeading>
      <Toolbar aria-label="Environment actions">
        <ToolbarButton {...restoreFocus} appearance="primary" onClick={() => setCreating(true)}>
          New environment
        </ToolbarButton>
        <ToolbarButton onClick={() => navigate('/keys')}>Manage encryption keys</ToolbarButton>
      </Toolbar>
      <ProblemBar problem={environments.problem} />
      {items && items.length === 0 && <Body1>No environments yet. Select New environment to create one.</Body1>}
      {items &&
        items.length > 0 &&
        (narrow ? (
          <EnvironmentCards environments={items} keys={keys.data?.items} />
        ) : (
          <EnvironmentTable environments={items} keys={keys.data?.items} />
        ))}
      {creating && <NewEnvironmentDialog onClose={() => setCreating(false)} />}
    </>
  );
}
