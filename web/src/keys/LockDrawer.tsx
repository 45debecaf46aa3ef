import { useState, type FormEvent } from 'react';
import { Body1, Button, Field, Input, MessageBar, MessageBarBody, MessageBarTitle, makeStyles, tokens } from '@fluentui/react-components';
import { unwrap } from '../api/client';
import { ApiProblem } from '../api/problem';
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
  challenge: {
    fontFamily: 'monospace',
    fontSize: tokens.fontSizeBase400,
    padding: tokens.spacingHorizontalM,
    backgroundColor: tokens.colorNeutralBackground3,
    borderRadius: tokens.borderRadiusMedium,
    overflowWrap: 'anywhere',
    userSelect: 'none',
  },
});

/**
 * Lock active environments (R13), right pane: upload the active key with its password (proof of
 * possession), then type back the text Keyward shows. Two steps, as in the admin center.
 */
export function LockDrawer({ activeKey, onClose }: { activeKey: Key; onClose: () => void }) {
  const styles = useStyles();
  const { api } = useConnection();
  const { tenant } = useTenant();
  const { track } = useOperations();
  const [file, setFile] = useState<File>();
  const [password, setPassword] = useState('');
  const [challenge, setChallenge] = useState<string>();
  const [typed, setTyped] = useState('');
  const region = activeKey.region;

  const askChallenge = useSubmit(async () => {
    const { text } = await unwrap(api.GET('/v1/tenants/{tenantId}/lock-challenge', { params: { path: { tenantId: tenant.id }, query: { region } } }));
    setChallenge(text);
  });
  const lock = useSubmit(async () => {
    if (!file) return;
    const body = { region, file: await readAsBase64(file), password, confirmation: typed };
    try {
      const { operation } = await unwrap(api.POST('/v1/tenants/{tenantId}/lock', { params: { path: { tenantId: tenant.id } }, body }));
      track(operation, `Lock active environments in ${region}`);
      onClose();
    } catch (error) {
      // The challenge expires (10 to 20 minutes) and follows what the lock would destroy: show the
      // current one, to be typed again, beside the refusal.
      if (error instanceof ApiProblem && error.code === 'CONFIRMATION_MISMATCH') {
        const { text } = await unwrap(
          api.GET('/v1/tenants/{tenantId}/lock-challenge', { params: { path: { tenantId: tenant.id }, query: { region } } }),
        );
        setChallenge(text);
        setTyped('');
      }
      throw error;
    }
  });
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    if (challenge === undefined) askChallenge.submit();
    else lock.submit();
  };

  return (
    <PaneDrawer title="Lock active environments" side="end" onClose={onClose} busy={lock.busy}>
      <form className={styles.form} onSubmit={onSubmit}>
        <MessageBar intent="error" layout="multiline">
          <MessageBarBody>
            <MessageBarTitle>Never lock as part of normal business</MessageBarTitle>
            Every active environment of region {region} protected by the tenant key goes offline: nobody, the provider included, can read it. All
            Active and Available keys are deleted. Locked environments can&apos;t be restored from backup, can be unlocked only after one hour, and
            are deleted if not unlocked within 28 days.
          </MessageBarBody>
        </MessageBar>
        {challenge === undefined ? (
          <>
            <Body1>Upload the active key, {activeKey.name}, with its password, then select Lock.</Body1>
            <FileField label="Upload active key" accept=".pfx,.p12" onFile={setFile} required />
            <Field label="Password" required>
              <Input type="password" value={password} onChange={(_, d) => setPassword(d.value)} autoComplete="off" />
            </Field>
            <ProblemBar problem={askChallenge.problem} />
            <div>
              <Button type="submit" appearance="primary" disabled={askChallenge.busy || !file || password === ''}>
                Lock
              </Button>
            </div>
          </>
        ) : (
          <>
            <Body1 id="challenge-intro">Enter the text displayed below to confirm that you want to lock all environments in region {region}.</Body1>
            <div className={styles.challenge} data-testid="lock-challenge" aria-describedby="challenge-intro">
              {challenge}
            </div>
            <Field label="Text to confirm" required>
              <Input value={typed} onChange={(_, d) => setTyped(d.value)} autoComplete="off" />
            </Field>
            <ProblemBar problem={lock.problem} />
            <div>
              <Button type="submit" appearance="primary" disabled={lock.busy || typed.trim() === ''}>
                Confirm
              </Button>
            </div>
          </>
        )}
      </form>
    </PaneDrawer>
  );
}
