import { useState } from 'react';
import { Body1, Field, Input } from '@fluentui/react-components';
import { unwrap } from '../api/client';
import type { Environment } from '../api/types';
import { useConnection } from '../session/ConnectionContext';
import { useOperations } from '../operations/OperationsContext';
import { ActionDialog } from '../common/ActionDialog';

/** "Return to standard encryption management" (R12): production environments need their name typed. */
export function ReturnToProviderDialog({ environment: env, onClose }: { environment: Environment; onClose: () => void }) {
  const { api } = useConnection();
  const { track } = useOperations();
  const [typed, setTyped] = useState('');
  const production = env.type === 'production';
  return (
    <ActionDialog
      title="Return to standard encryption management"
      confirmLabel="Confirm"
      confirmDisabled={production && typed.trim() === ''}
      onClose={onClose}
      onConfirm={async () => {
        const { operation } = await unwrap(
          api.POST('/v1/environments/{envId}/encryption/return-to-provider', {
            params: { path: { envId: env.id } },
            body: production ? { confirmation: typed } : {},
          }),
        );
        track(operation, `Return ${env.name} to the provider key`);
      }}
    >
      <Body1>
        {env.name} will be protected by the provider&apos;s key again, as by default. The environment can&apos;t be used while its data key is
        re-protected.
      </Body1>
      {production && (
        <Field label={`Type the environment's name, ${env.name}, to confirm`} required>
          <Input value={typed} onChange={(_, d) => setTyped(d.value)} autoComplete="off" />
        </Field>
      )}
    </ActionDialog>
  );
}
