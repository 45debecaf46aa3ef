import { useState } from 'react';
import { Field, Input, Select } from '@fluentui/react-components';
import { unwrap } from '../api/client';
import type { EnvironmentType } from '../api/types';
import { useConnection } from '../session/ConnectionContext';
import { useTenant } from '../tenants/TenantContext';
import { useOperations } from '../operations/OperationsContext';
import { ActionDialog } from '../common/ActionDialog';
import { ENVIRONMENT_TYPES, TYPE_LABEL } from './environment-types';

/** Creates an environment (its own data key, encrypted from the first byte). */
export function NewEnvironmentDialog({ onClose }: { onClose: () => void }) {
  const { api } = useConnection();
  const { tenant } = useTenant();
  const { refresh } = useOperations();
  const [name, setName] = useState('');
  const [region, setRegion] = useState(tenant.regions[0] ?? '');
  const [type, setType] = useState<EnvironmentType>('production');
  return (
    <ActionDialog
      title="New environment"
      confirmLabel="Create"
      confirmDisabled={name.trim() === '' || region === ''}
      onClose={onClose}
      onConfirm={async () => {
        await unwrap(
          api.POST('/v1/tenants/{tenantId}/environments', { params: { path: { tenantId: tenant.id } }, body: { name: name.trim(), region, type } }),
        );
        refresh();
      }}
    >
      <Field label="Name" required>
        <Input value={name} onChange={(_, d) => setName(d.value)} />
      </Field>
      <Field label="Region">
        <Select value={region} onChange={(_, d) => setRegion(d.value)}>
          {tenant.regions.map((r) => (
            <option key={r}>{r}</option>
          ))}
        </Select>
      </Field>
      <Field label="Type">
        <Select value={type} onChange={(_, d) => setType(d.value as EnvironmentType)}>
          {ENVIRONMENT_TYPES.map((t) => (
            <option key={t} value={t}>
              {TYPE_LABEL[t]}
            </option>
          ))}
        </Select>
      </Field>
    </ActionDialog>
  );
}
