import { useState } from 'react';
import { Body1, Field, Select } from '@fluentui/react-components';
import { unwrap } from '../api/client';
import type { Backup, Environment } from '../api/types';
import { useConnection } from '../session/ConnectionContext';
import { useOperations } from '../operations/OperationsContext';
import { ActionDialog } from '../common/ActionDialog';
import { formatTime } from '../common/format';
import { useOtherEnvironments } from './useOtherEnvironments';

/** Restores a backup over this environment, or over another protected by the same tenant key (R16). */
export function RestoreDialog({ source, backup, onClose }: { source: Environment; backup: Backup; onClose: () => void }) {
  const { api } = useConnection();
  const { track } = useOperations();
  const others = useOtherEnvironments(source);
  const [targetId, setTargetId] = useState(source.id);
  const target = targetId === source.id ? source : others?.find((e) => e.id === targetId);
  return (
    <ActionDialog
      title="Restore a backup"
      confirmLabel="Restore"
      onClose={onClose}
      onConfirm={async () => {
        const { operation } = await unwrap(
          api.POST('/v1/environments/{envId}/restore', {
            params: { path: { envId: targetId } },
            body: { sourceEnvironmentId: source.id, backupId: backup.id },
          }),
        );
        track(operation, `Restore ${backup.label ?? 'a backup'} of ${source.name} to ${target?.name ?? targetId}`);
      }}
    >
      <Body1>
        Backup {backup.label ?? backup.id} of {source.name}, taken {formatTime(backup.createdAt)}. The environment you restore to is overwritten; it
        must be {source.name} or an environment protected by the same tenant key.
      </Body1>
      <Field label="Restore to">
        <Select value={targetId} onChange={(_, d) => setTargetId(d.value)}>
          <option value={source.id}>{source.name} (this environment)</option>
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
