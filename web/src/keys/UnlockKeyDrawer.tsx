import { useState, type FormEvent } from 'react';
import { Body1, Button, Field, Input, makeStyles, tokens } from '@fluentui/react-components';
import { unwrap } from '../api/client';
import type { Key } from '../api/types';
import { useConnection } from '../session/ConnectionContext';
import { useTenant } from '../tenants/TenantContext';
import { useOperations } from '../operations/OperationsContext';
import { FileField } from '../common/FileField';
import { PaneDrawer } from '../common/PaneDrawer';
import { ProblemBar } from '../common/ProblemBar';
import { readAsBase64 } from '../common/files';
import { useSubmit } from '../common/useSubmit';

const useStyles = makeStyles({
  form: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalL },
});

/** Unlock key (R15): upload the key that locked the tenant, with its password; it goes Installing → Active. */
export function UnlockKeyDrawer({ lockedKey, onClose }: { lockedKey: Key; onClose: () => void }) {
  const styles = useStyles();
  const { api } = useConnection();
  const { tenant } = useTenant();
  const { track } = useOperations();
  const [file, setFile] = useState<File>();
  const [password, setPassword] = useState('');
  const { busy, problem, submit } = useSubmit(async () => {
    if (!file) return;
    const { operation } = await unwrap(
      api.POST('/v1/tenants/{tenantId}/keys/{keyId}/unlock', {
        params: { path: { tenantId: tenant.id, keyId: lockedKey.id } },
        body: { file: await readAsBase64(file), password },
      }),
    );
    track(operation, `Unlock key ${lockedKey.name}`);
    onClose();
  });
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    submit();
  };
  return (
    <PaneDrawer title="Unlock key" side="end" onClose={onClose} busy={busy}>
      <form className={styles.form} onSubmit={onSubmit}>
        <Body1>
          Upload the key that was used to lock the tenant, {lockedKey.name}, and enter its password. The key goes into an Installing state; wait until
          it is Active, then unlock each locked environment from its page (they are not unlocked automatically).
        </Body1>
        <FileField label="Upload locked key" accept=".pfx,.p12" onFile={setFile} required />
        <Field label="Password" required>
          <Input type="password" value={password} onChange={(_, d) => setPassword(d.value)} autoComplete="off" />
        </Field>
        <ProblemBar problem={problem} />
        <div>
          <Button type="submit" appearance="primary" disabled={busy || !file || password === ''}>
            Unlock
          </Button>
        </div>
      </form>
    </PaneDrawer>
  );
}
