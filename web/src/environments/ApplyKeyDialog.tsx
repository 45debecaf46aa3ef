import { useState } from 'react';
import { Body1, Checkbox, MessageBar, MessageBarBody } from '@fluentui/react-components';
import { unwrap } from '../api/client';
import type { Environment, Key } from '../api/types';
import { useConnection } from '../session/ConnectionContext';
import { useOperations } from '../operations/OperationsContext';
import { ActionDialog } from '../common/ActionDialog';
import { shortThumbprint } from '../common/format';

/** "Apply this key": the environment's data key is wrapped under the tenant's active key (R11), with downtime. */
export function ApplyKeyDialog({
  environment: env,
  activeKey,
  onClose,
}: {
  environment: Environment;
  activeKey: Key | undefined;
  onClose: () => void;
}) {
  const { api } = useConnection();
  const { track } = useOperations();
  const [acknowledged, setAcknowledged] = useState(false);
  return (
    <ActionDialog
      title={`Apply the tenant key to ${env.name}?`}
      confirmLabel="Confirm"
      confirmDisabled={!acknowledged}
      onClose={onClose}
      onConfirm={async () => {
        const { operation } = await unwrap(
          api.POST('/v1/environments/{envId}/encryption/apply-tenant-key', {
            params: { path: { envId: env.id } },
            body: { acknowledgeDowntime: true },
          }),
        );
        track(operation, `Apply the tenant key to ${env.name}`);
      }}
    >
      <Body1>
        The environment&apos;s data will be protected by{' '}
        {activeKey ? (
          <strong>
            {activeKey.name} ({shortThumbprint(activeKey.thumbprint)})
          </strong>
        ) : (
          `the active key of region ${env.region}`
        )}
        , your tenant&apos;s own key, instead of the provider&apos;s.
      </Body1>
      <MessageBar intent="warning" layout="multiline">
        <MessageBarBody>
          There is downtime: the environment can&apos;t be used until its data key is protected by the new key. Whoever holds your key decides who can
          read this environment&apos;s data; if the key is lost, so is the data.
        </MessageBarBody>
      </MessageBar>
      <Checkbox
        checked={acknowledged}
        onChange={(_, d) => setAcknowledged(d.checked === true)}
        label="I understand that I am managing the key directly and that this action causes downtime"
      />
    </ActionDialog>
  );
}
