import { useState, type FormEvent } from 'react';
import { Button, Field, Input, makeStyles, tokens } from '@fluentui/react-components';
import { unwrap } from '../api/client';
import { useConnection } from '../session/ConnectionContext';
import { useTenant } from '../tenants/TenantContext';
import { FileField } from '../common/FileField';
import { ProblemBar } from '../common/ProblemBar';
import { readAsBase64 } from '../common/files';
import { useSubmit } from '../common/useSubmit';
import { ExchangeKeyDownload } from './ExchangeKeyDownload';
import type { Created } from './NewKeyDrawer';

const useStyles = makeStyles({
  form: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM },
});

const formatOf = (file: File | undefined): 'pfx' | 'byok' => (file?.name.toLowerCase().endsWith('.byok') ? 'byok' : 'pfx');

/** Upload the key (.pfx with its password, or .byok wrapped for Keyward's key-exchange key). */
export function UploadKeyForm({ region, name, onCreated }: { region: string; name: string; onCreated: (created: Created) => void }) {
  const styles = useStyles();
  const { api } = useConnection();
  const { tenant } = useTenant();
  const [file, setFile] = useState<File>();
  const [password, setPassword] = useState('');
  const format = formatOf(file);
  const { busy, problem, submit } = useSubmit(async () => {
    if (!file) return;
    const body = {
      region,
      name: name.trim(),
      format,
      file: await readAsBase64(file),
      acknowledgeRisk: true as const,
      ...(format === 'pfx' ? { password } : {}),
    };
    const result = await unwrap(api.POST('/v1/tenants/{tenantId}/keys/upload', { params: { path: { tenantId: tenant.id } }, body }));
    onCreated({ key: result.key, operation: result.operation });
  });
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    submit();
  };
  return (
    <form className={styles.form} onSubmit={onSubmit}>
      <FileField label="Upload the key" hint="A .pfx file, or a .byok file from your HSM." accept=".pfx,.p12,.byok" onFile={setFile} required />
      {format === 'pfx' ? (
        <Field label="Password" required>
          <Input type="password" value={password} onChange={(_, d) => setPassword(d.value)} autoComplete="off" />
        </Field>
      ) : (
        <ExchangeKeyDownload region={region} />
      )}
      <ProblemBar problem={problem} />
      <div>
        <Button type="submit" appearance="primary" disabled={busy || !file || name.trim() === '' || (format === 'pfx' && password === '')}>
          Create
        </Button>
      </div>
    </form>
  );
}
