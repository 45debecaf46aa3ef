import { useState } from 'react';
import { Body1, Button, makeStyles, tokens, useRestoreFocusTarget } from '@fluentui/react-components';
import type { Environment } from '../api/types';
import { useConnection } from '../session/ConnectionContext';
import { BackupsList } from './BackupsList';
import { CopyDialog } from './CopyDialog';
import { ResetDialog } from './ResetDialog';

const useStyles = makeStyles({
  actions: { display: 'flex', flexWrap: 'wrap', gap: tokens.spacingHorizontalM },
});

/** Backups, restore, copy and reset, each only if this server offers its route. */
export function DatabaseSection({ environment: env }: { environment: Environment }) {
  const styles = useStyles();
  const { offers } = useConnection();
  const [open, setOpen] = useState<'copy' | 'reset'>();
  const restoreFocus = useRestoreFocusTarget();
  const backups = offers('/v1/environments/{envId}/backups', 'get');
  const copy = offers('/v1/environments/{envId}/copy', 'post');
  const reset = offers('/v1/environments/{envId}/reset', 'post');
  if (!backups && !copy && !reset) return <Body1>This server does not offer backups, restore, copy or reset yet.</Body1>;
  const locked = env.encryption.status === 'locked';
  return (
    <>
      <Body1>
        A backup can be restored to this environment, or to another one protected by the same tenant key. A copy overwrites another environment
        protected by the same key. Locked environments can&apos;t be restored, copied, or overwritten.
      </Body1>
      <div className={styles.actions}>
        {copy && (
          <Button {...restoreFocus} onClick={() => setOpen('copy')} disabled={locked}>
            Copy to another environment
          </Button>
        )}
        {reset && (
          <Button {...restoreFocus} onClick={() => setOpen('reset')}>
            Reset
          </Button>
        )}
      </div>
      {backups && <BackupsList environment={env} />}
      {open === 'copy' && <CopyDialog source={env} onClose={() => setOpen(undefined)} />}
      {open === 'reset' && <ResetDialog environment={env} onClose={() => setOpen(undefined)} />}
    </>
  );
}
