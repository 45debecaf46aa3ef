import { useState } from 'react';
import {
  Body1,
  Button,
  Field,
  Input,
  MessageBar,
  MessageBarBody,
  MessageBarTitle,
  Radio,
  RadioGroup,
  Select,
  makeStyles,
  tokens,
} from '@fluentui/react-components';
import type { Key, Operation } from '../api/types';
import { useTenant } from '../tenants/TenantContext';
import { useOperations } from '../operations/OperationsContext';
import { PaneDrawer } from '../common/PaneDrawer';
import { GenerateKeyForm } from './GenerateKeyForm';
import { UploadKeyForm } from './UploadKeyForm';

const useStyles = makeStyles({
  body: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalL, paddingBottom: tokens.spacingVerticalXL },
});

export interface Created {
  key: Key;
  operation: Operation | null;
  /** The file name the browser was handed (generate only). */
  downloaded?: string;
}

/** New key (left pane): region, name, then Generate new (.pfx) or Upload (.pfx or .byok). */
export function NewKeyDrawer({ onClose }: { onClose: () => void }) {
  const styles = useStyles();
  const { tenant } = useTenant();
  const { track, refresh } = useOperations();
  const [region, setRegion] = useState(tenant.regions[0] ?? '');
  const [name, setName] = useState('');
  const [method, setMethod] = useState<'generate' | 'upload'>('generate');
  const [created, setCreated] = useState<Created>();

  const onCreated = (result: Created) => {
    // R6: the region's first key is activated at once; its activation is a long operation to follow.
    if (result.operation) track(result.operation, `Activate key ${result.key.name}`);
    refresh();
    setCreated(result);
  };

  return (
    <PaneDrawer title="New key" side="start" onClose={onClose}>
      {created ? (
        <div className={styles.body}>
          <MessageBar intent="success" layout="multiline">
            <MessageBarBody>
              <MessageBarTitle>Key {created.key.name} was created</MessageBarTitle>
              {created.downloaded && (
                <>
                  {created.downloaded} was downloaded to your browser&apos;s download folder. Save it in a secure place, backed up with its password:
                  Keyward keeps no copy of the file or the password, and you need both to lock and unlock the tenant.{' '}
                </>
              )}
              {created.operation
                ? 'It is the first key of its region, so it is being activated now.'
                : 'Select it and choose Activate key to use it.'}{' '}
              All administrators were e-mailed about this change.
            </MessageBarBody>
          </MessageBar>
          <div>
            <Button appearance="primary" onClick={onClose}>
              Close
            </Button>
          </div>
        </div>
      ) : (
        <div className={styles.body}>
          {tenant.regions.length > 1 && (
            <Field label="Region">
              <Select value={region} onChange={(_, d) => setRegion(d.value)}>
                {tenant.regions.map((r) => (
                  <option key={r}>{r}</option>
                ))}
              </Select>
            </Field>
          )}
          <Field label="Key name" required>
            <Input value={name} onChange={(_, d) => setName(d.value)} autoComplete="off" />
          </Field>
          <Field label="Key">
            <RadioGroup value={method} onChange={(_, d) => setMethod(d.value === 'upload' ? 'upload' : 'generate')}>
              <Radio value="generate" label="Generate new (.pfx)" />
              <Radio value="upload" label="Upload (.pfx or .byok)" />
            </RadioGroup>
          </Field>
          {method === 'generate' ? (
            <GenerateKeyForm region={region} name={name} onCreated={onCreated} />
          ) : (
            <UploadKeyForm region={region} name={name} onCreated={onCreated} />
          )}
          <Body1>All administrators of the tenant will be e-mailed about the new key.</Body1>
        </div>
      )}
    </PaneDrawer>
  );
}
