import { Body1, MessageBar, MessageBarBody } from '@fluentui/react-components';
import { unwrap } from '../api/client';
import type { Key } from '../api/types';
import { useConnection } from '../session/ConnectionContext';
import { useTenant } from '../tenants/TenantContext';
import { useOperations } from '../operations/OperationsContext';
import { ActionDialog } from '../common/ActionDialog';
import { shortThumbprint } from '../common/format';

/** Activate key (R7, R8, R10): confirm the key change, knowing all administrators are e-mailed. */
export function ActivateKeyDialog({ keyToActivate: key, onClose }: { keyToActivate: Key; onClose: () => void }) {
  const { api } = useConnection();
  const { tenant } = useTenant();
  const { track } = useOperations();
  return (
    <ActionDialog
      title={`Activate key ${key.name}?`}
      confirmLabel="Confirm"
      onClose={onClose}
      onConfirm={async () => {
        const { operation } = await unwrap(
          api.POST('/v1/tenants/{tenantId}/keys/{keyId}/activate', {
            params: { path: { tenantId: tenant.id, keyId: key.id } },
            body: { acknowledgeRisk: true },
          }),
        );
        track(operation, `Activate key ${key.name}`);
      }}
    >
      <Body1>
        {key.name} ({shortThumbprint(key.thumbprint)}) becomes the active key of region {key.region}. Every environment of the region protected by the
        tenant key is re-protected with it, with no downtime; the key active now becomes Available.
      </Body1>
      <MessageBar intent="warning" layout="multiline">
        <MessageBarBody>
          All administrators of the tenant will be e-mailed about this key change. After activation, no other key can be activated for 24 hours, and
          environments can&apos;t be locked for 72 hours.
        </MessageBarBody>
      </MessageBar>
    </ActionDialog>
  );
}
