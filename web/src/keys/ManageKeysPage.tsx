import { useState } from 'react';
import { Body1, MessageBar, MessageBarBody, Toolbar, ToolbarButton, makeStyles, useRestoreFocusTarget } from '@fluentui/react-components';
import { useTenant } from '../tenants/TenantContext';
import { navigate } from '../router';
import { PageHeading } from '../common/PageHeading';
import { ProblemBar } from '../common/ProblemBar';
import { useTenantKeys } from './useTenantKeys';
import { RiskAcknowledgement } from './RiskAcknowledgement';
import { KeyTable } from './KeyTable';
import { KeyCards } from './KeyCards';
import { useNarrow } from '../common/useNarrow';
import { NewKeyDrawer } from './NewKeyDrawer';
import { ActivateKeyDialog } from './ActivateKeyDialog';
import { LockDrawer } from './LockDrawer';
import { UnlockKeyDrawer } from './UnlockKeyDrawer';

type Open = 'new' | 'activate' | 'lock' | 'unlock' | undefined;

// Four commands do not fit a phone's width in one row.
const useStyles = makeStyles({ toolbar: { flexWrap: 'wrap' } });

/**
 * Manage encryption keys: the risk acknowledgement on entry, then the key table and its toolbar
 * (New key, Activate key, Lock active environments, Unlock key), each acting on the chosen key.
 */
export function ManageKeysPage() {
  const styles = useStyles();
  const { tenant } = useTenant();
  const [acknowledged, setAcknowledged] = useState(false);
  const keys = useTenantKeys({ skip: !acknowledged });
  const [selectedId, setSelectedId] = useState<string>();
  const [open, setOpen] = useState<Open>();
  const restoreFocus = useRestoreFocusTarget();
  const narrow = useNarrow();
  const selected = keys.data?.items.find((k) => k.id === selectedId);
  const close = () => setOpen(undefined);

  let body;
  if (!keys.offered) body = <Body1>This server does not offer key management yet.</Body1>;
  else if (!tenant.cmkEnabled)
    body = (
      <MessageBar intent="info" layout="multiline">
        <MessageBarBody>
          Customer-managed keys are not enabled for this tenant. The provider turns them on for tenants that opted in and have more than 1000 licensed
          seats.
        </MessageBarBody>
      </MessageBar>
    );
  else if (!acknowledged) body = <RiskAcknowledgement onConfirm={() => setAcknowledged(true)} onCancel={() => navigate('/environments')} />;
  else
    body = (
      <>
        <Toolbar aria-label="Key actions" className={styles.toolbar}>
          <ToolbarButton {...restoreFocus} appearance="primary" onClick={() => setOpen('new')}>
            New key
          </ToolbarButton>
          <ToolbarButton {...restoreFocus} disabled={selected?.state !== 'Available'} onClick={() => setOpen('activate')}>
            Activate key
          </ToolbarButton>
          <ToolbarButton {...restoreFocus} disabled={selected?.state !== 'Active'} onClick={() => setOpen('lock')}>
            Lock active environments
          </ToolbarButton>
          <ToolbarButton {...restoreFocus} disabled={selected?.state !== 'Locked'} onClick={() => setOpen('unlock')}>
            Unlock key
          </ToolbarButton>
        </Toolbar>
        <ProblemBar problem={keys.problem} />
        {keys.data && keys.data.items.length === 0 && <Body1>No keys yet. Select New key to generate or upload one.</Body1>}
        {keys.data &&
          keys.data.items.length > 0 &&
          (narrow ? (
            <KeyCards keys={keys.data.items} selectedId={selectedId} onSelect={setSelectedId} />
          ) : (
            <KeyTable keys={keys.data.items} selectedId={selectedId} onSelect={setSelectedId} />
          ))}
      </>
    );

  return (
    <>
      <PageHeading>Manage encryption keys</PageHeading>
      {body}
      {open === 'new' && <NewKeyDrawer onClose={close} />}
      {open === 'activate' && selected && <ActivateKeyDialog keyToActivate={selected} onClose={close} />}
      {open === 'lock' && selected && <LockDrawer activeKey={selected} onClose={close} />}
      {open === 'unlock' && selected && <UnlockKeyDrawer lockedKey={selected} onClose={close} />}
    </>
  );
}
