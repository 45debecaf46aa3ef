import { useState, type FormEvent } from 'react';
import {
  Body1,
  Button,
  Field,
  Input,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  makeStyles,
  tokens,
  useRestoreFocusTarget,
} from '@fluentui/react-components';
import { unwrap } from '../api/client';
import type { Backup, Environment } from '../api/types';
import { useConnection } from '../session/ConnectionContext';
import { useOperations } from '../operations/OperationsContext';
import { ProblemBar } from '../common/ProblemBar';
import { formatSize, formatTime } from '../common/format';
import { useTenantKeys } from '../keys/useTenantKeys';
import { useApiData } from '../common/useApiData';
import { useSubmit } from '../common/useSubmit';
import { RestoreDialog } from './RestoreDialog';

const useStyles = makeStyles({
  form: { display: 'flex', flexWrap: 'wrap', gap: tokens.spacingHorizontalM, alignItems: 'end' },
  scroll: { overflowX: 'auto' },
});

/** The environment's backups: take one, restore one. */
export function BackupsList({ environment: env }: { environment: Environment }) {
  const styles = useStyles();
  const { api, offers } = useConnection();
  const { refresh } = useOperations();
  const [label, setLabel] = useState('');
  const [restoring, setRestoring] = useState<Backup>();
  const restoreFocus = useRestoreFocusTarget();
  const backups = useApiData(() => unwrap(api.GET('/v1/environments/{envId}/backups', { params: { path: { envId: env.id } } })), [env.id]);
  const create = useSubmit(async () => {
    await unwrap(
      api.POST('/v1/environments/{envId}/backups', { params: { path: { envId: env.id } }, body: label.trim() ? { label: label.trim() } : {} }),
    );
    setLabel('');
    refresh();
  });
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    create.submit();
  };
  const canRestore = offers('/v1/environments/{envId}/restore', 'post');
  // A backup is readable exactly when its environment is: which key protected it tells which restores can work.
  const keys = useTenantKeys();
  const keyName = (id: string | null) => keys.data?.items.find((k) => k.id === id)?.name ?? id ?? 'Tenant key';
  const items = backups.data?.items ?? [];
  return (
    <>
      {offers('/v1/environments/{envId}/backups', 'post') && (
        <form className={styles.form} onSubmit={onSubmit}>
          <Field label="Backup label (optional)">
            <Input value={label} onChange={(_, d) => setLabel(d.value)} />
          </Field>
          <Button type="submit" disabled={create.busy}>
            Create backup
          </Button>
        </form>
      )}
      <ProblemBar problem={create.problem ?? backups.problem} />
      {backups.data && items.length === 0 && <Body1>No backups yet.</Body1>}
      {items.length > 0 && (
        <div className={styles.scroll}>
          <Table aria-label="Backups" size="small">
            <TableHeader>
              <TableRow>
                <TableHeaderCell>Label</TableHeaderCell>
                <TableHeaderCell>Created</TableHeaderCell>
                <TableHeaderCell>Protected by</TableHeaderCell>
                <TableHeaderCell>Size</TableHeaderCell>
                <TableHeaderCell>Actions</TableHeaderCell>
              </TableRow>
            </TableHeader>
            <TableBody>
              {items.map((b) => (
                <TableRow key={b.id}>
                  <TableCell>{b.label ?? b.id}</TableCell>
                  <TableCell>{formatTime(b.createdAt)}</TableCell>
                  <TableCell>{b.protector.mode === 'tenant' ? keyName(b.protector.keyId) : 'Provider key'}</TableCell>
                  <TableCell>{formatSize(b.sizeBytes)}</TableCell>
                  <TableCell>
                    {canRestore && (
                      <Button {...restoreFocus} size="small" onClick={() => setRestoring(b)} aria-label={`Restore backup ${b.label ?? b.id}`}>
                        Restore
                      </Button>
                    )}
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </div>
      )}
      {restoring && <RestoreDialog source={env} backup={restoring} onClose={() => setRestoring(undefined)} />}
    </>
  );
}
