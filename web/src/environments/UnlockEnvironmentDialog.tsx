import { Body1 } from '@fluentui/react-components';
import { unwrap } from '../api/client';
import type { Environment } from '../api/types';
import { useConnection } from '../session/ConnectionContext';
import { useOperations } from '../operations/OperationsContext';
import { ActionDialog } from '../common/ActionDialog';

/** Unlocks one locked environment (R15: each on its own, once the key that locked it is Active again). */
export function UnlockEnvironmentDialog({ environment: env, onClose }: { environment: Environment; onClose: () => void }) {
  const { api } = useConnection();
  const { track } = useOperations();
  return (
    <ActionDialog
      title={`Unlock ${env.name}?`}
      confirmLabel="Confirm"
      onClose={onClose}
      onConfirm={async () => {
        const { operation } = await unwrap(api.POST('/v1/environments/{envId}/encryption/unlock', { params: { path: { envId: env.id } }, body: {} }));
        track(operation, `Unlock ${env.name}`);
      }}
    >
      <Body1>
        The environment&apos;s data becomes readable again with the tenant&apos;s active key. The key that locked the tenant must have been unlocked
        first, and at least one hour must have passed since the lock.
      </Body1>
    </ActionDialog>
  );
}
