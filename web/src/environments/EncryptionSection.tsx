import { useState } from 'react';
import { Body1, Button, MessageBar, MessageBarBody, MessageBarTitle, makeStyles, tokens, useRestoreFocusTarget } from '@fluentui/react-components';
import type { Environment, Key } from '../api/types';
import { useConnection } from '../session/ConnectionContext';
import { FactList } from '../common/FactList';
import { StateBadge } from '../common/StateBadge';
import { modeLabel, shortThumbprint, statusLabel } from '../common/format';
import { ApplyKeyDialog } from './ApplyKeyDialog';
import { ReturnToProviderDialog } from './ReturnToProviderDialog';
import { UnlockEnvironmentDialog } from './UnlockEnvironmentDialog';

const useStyles = makeStyles({
  actions: { display: 'flex', flexWrap: 'wrap', gap: tokens.spacingHorizontalM, alignItems: 'center' },
});

type Open = 'apply' | 'return' | 'unlock' | undefined;

/**
 * Which key protects the environment, and the actions its state allows: Apply this key
 * (provider → tenant), Return (tenant → provider), Unlock (after a tenant lock).
 */
export function EncryptionSection({ environment: env, keys }: { environment: Environment; keys: Key[] | undefined }) {
  const styles = useStyles();
  const { offers } = useConnection();
  const [open, setOpen] = useState<Open>();
  const restoreFocus = useRestoreFocusTarget();
  const { mode, status, keyId } = env.encryption;
  const current = keys?.find((k) => k.id === keyId);
  const active = keys?.find((k) => k.region === env.region && k.state === 'Active');
  // Known only when the caller may read keys; otherwise the server decides (and explains).
  const noActiveKey = keys !== undefined && !active;

  return (
    <>
      <FactList
        label="Environment encryption"
        facts={[
          ['Encryption', modeLabel(mode)],
          ['Status', <StateBadge key="s" state={status} label={statusLabel(status)} />],
          [
            'Key',
            mode === 'tenant' ? (current ? `${current.name} (${shortThumbprint(current.thumbprint)})` : (keyId ?? '—')) : 'Managed by the provider',
          ],
        ]}
      />
      {status === 'locked' && (
        <MessageBar intent="error" layout="multiline">
          <MessageBarBody>
            <MessageBarTitle>This environment is locked</MessageBarTitle>
            Nobody can read its data until it is unlocked. It can't be restored from backup or copied. Locked environments that are not unlocked
            within 28 days are deleted. First unlock the key in Manage encryption keys, then unlock this environment.
          </MessageBarBody>
        </MessageBar>
      )}
      {(status === 'updating' || status === 'locking' || status === 'unlocking') && (
        <Body1>The environment is {statusLabel(status).toLowerCase()}; this page shows the new state when it is done.</Body1>
      )}
      <div className={styles.actions}>
        {mode === 'provider' && status === 'ready' && offers('/v1/environments/{envId}/encryption/apply-tenant-key', 'post') && (
          <>
            <Button {...restoreFocus} appearance="primary" onClick={() => setOpen('apply')} disabled={!env.cmkEligible || noActiveKey}>
              Apply this key
            </Button>
            {!env.cmkEligible && (
              <Body1>Only environments created after customer-managed keys were enabled, without file or image columns, can use a tenant key.</Body1>
            )}
            {env.cmkEligible && noActiveKey && <Body1>There is no active key in region {env.region}. Activate one in Manage encryption keys.</Body1>}
          </>
        )}
        {mode === 'tenant' && status === 'ready' && offers('/v1/environments/{envId}/encryption/return-to-provider', 'post') && (
          <Button {...restoreFocus} onClick={() => setOpen('return')}>
            Return to standard encryption management
          </Button>
        )}
        {status === 'locked' && offers('/v1/environments/{envId}/encryption/unlock', 'post') && (
          <Button {...restoreFocus} appearance="primary" onClick={() => setOpen('unlock')}>
            Unlock
          </Button>
        )}
      </div>
      {open === 'apply' && <ApplyKeyDialog environment={env} activeKey={active} onClose={() => setOpen(undefined)} />}
      {open === 'return' && <ReturnToProviderDialog environment={env} onClose={() => setOpen(undefined)} />}
      {open === 'unlock' && <UnlockEnvironmentDialog environment={env} onClose={() => setOpen(undefined)} />}
    </>
  );
}
