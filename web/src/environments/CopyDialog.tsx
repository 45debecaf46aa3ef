import { useState } from 'react';
import { Body1, Field, Select } from '@fluentui/react-components';
import { unwrap } from '../api/client';
import type { Environment } from '../api/types';
import { useConnection } from '../session/ConnectionContext';
import { useOperations } from '../operations/OperationsContext';
import { ActionDialog } from '../common/ActionDialog';
import { useOtherEnvironments } from './useOtherEnvironments';

/** Copies this environment over another one protected by the same tenant key (R17). */
export function CopyDialog({ source, onClose }: { source: Environment; onClose: () => void }) {
  const { api } = useConnection();
  const { track } = useOperations();
  const others = useOtherEnvironments(source);
  const [targetId, setTargetId] = useState('');
  const target = others?.find((e) => e.id === targetId);
  return (
    <ActionDialog
      title={`Copy ${source.name}`}
      confirmLabel="Copy"
      confirmDisabled={!target}
      onClose={onClose}
      onConfirm={async () => {
        const { operation } = await unwrap(
          api.POST('/v1/environments/{envId}/copy', { params: { path: { envId: targetId } }, body: { sourceEnvironmentId: source.id } }),
        );
        track(operation, `Copy ${source.name} to ${target?.name ?? targetId}`);
      }}
    >
      <Body1>
        The environment you copy to is overwritten with {source.name}&apos;s data. It must be protected by the same tenant key; a support
        investigation environment must first be switched to the tenant key.
      </Body1>
      <Field label="Copy to" required>
        <Select value={targetId} onChange={(_, d) => setTargetId(d.value)}>
          <option value="">Choose an environment</option>
          {others?.map((e) => (
            <option key={e.id} value={e.id}>
              {e.name}
            </option>
          ))}
        </Select>
      </Field>
    </ActionDialog>
  );
}
