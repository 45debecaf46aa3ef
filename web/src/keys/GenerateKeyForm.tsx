import { useState, type FormEvent } from 'react';
import { Button, Field, Input, makeStyles, tokens } from '@fluentui/react-components';
import { unwrap } from '../api/client';
import { useConnection } from '../session/ConnectionContext';
import { useTenant } from '../tenants/TenantContext';
import { ProblemBar } from '../common/ProblemBar';
import { downloadBase64, safeFileName } from '../common/files';
import { useSubmit } from '../common/useSubmit';
import type { Created } from './NewKeyDrawer';

const useStyles = makeStyles({
  form: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM },
});

/**
 * Generate new (.pfx): the password twice (R4), then the browser downloads the key file. It is
 * the only copy: the server hands it out once and keeps neither it nor the password.
 */
export function GenerateKeyForm({ region, name, onCreated }: { region: string; name: string; onCreated: (created: Created) => void }) {
  const styles = useStyles();
  const { api } = useConnection();
  const { tenant } = useTenant();
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const mismatch = confirm !== '' && confirm !== password;
  const { busy, problem, submit } = useSubmit(async () => {
    const result = await unwrap(
      api.POST('/v1/tenants/{tenantId}/keys/generate', {
        params: { path: { tenantId: tenant.id } },
        body: { region, name: name.trim(), password, acknowledgeRisk: true },
      }),
    );
    const fileName = `${safeFileName(result.key.name)}.pfx`;
    downloadBase64(result.pfx, fileName, 'application/x-pkcs12');
    onCreated({ key: result.key, operation: result.operation, downloaded: fileName });
  });
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    submit();
  };
  return (
    <form className={styles.form} onSubmit={onSubmit}>
      <Field
        label="Password"
        required
        hint="At least 8 characters. It protects the downloaded .pfx file; keep it with the file: Keyward does not keep it."
      >
        <Input type="password" value={password} onChange={(_, d) => setPassword(d.value)} autoComplete="new-password" />
      </Field>
      <Field
        label="Confirm password"
        required
        validationState={mismatch ? 'error' : 'none'}
        validationMessage={mismatch ? 'The passwords do not match.' : undefined}
      >
        <Input type="password" value={confirm} onChange={(_, d) => setConfirm(d.value)} autoComplete="new-password" />
      </Field>
      <ProblemBar problem={problem} />
      <div>
        <Button type="submit" appearance="primary" disabled={busy || name.trim() === '' || password === '' || confirm !== password}>
          Create
        </Button>
      </div>
    </form>
  );
}
