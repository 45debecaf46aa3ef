import { useState } from 'react';
import { Field, Input, MessageBar, MessageBarBody } from '@fluentui/react-components';
import { unwrap } from '../api/client';
import type { Environment } from '../api/types';
import { useConnection } from '../session/ConnectionContext';
import { useOperations } from '../operations/OperationsContext';
import { ActionDialog } from '../common/ActionDialog';

/**
 * Reset (R18): data and every backup deleted, back on the provider key. The API asks no
 * confirmation; the UI does (the name typed), since nothing of the data survives.
 */
export function ResetDialog({ environment: env, onClose }: { environment: Environment; onClose: () => void }) {
  const { api } = useConnection();
  const { track } = useOperations();
  const [typed, setTyped] = useState('');
  return (
    <ActionDialog
      title={`Reset ${env.name}?`}
      confirmLabel="Reset"
      confirmDisabled={typed !== env.name}
      onClose={onClose}
      onConfirm={async () => {
        const { operation } = await unwrap(api.POST('/v1/environments/{envId}/reset', { params: { path: { envId: env.id } }, body: {} }));
        track(operation, `Reset ${env.name}`);
      }}
    >
      <MessageBar intent="warning" layout="multiline">
        <MessageBarBody>
          The environment&apos;s data and all its backups are deleted, and its encryption returns to the provider-managed key. This can&apos;t be
          undone.
        </MessageBarBody>
      </MessageBar>
      <Field label={`Type the environment's name, ${env.name}, to confirm`} required>
        <Input value={typed} onChange={(_, d) => setTyped(d.value)} autoComplete="off" />
      </Field>
    </ActionDialog>
  );
}
