import { Table, TableBody, TableCell, TableHeader, TableHeaderCell, TableRow, makeStyles } from '@fluentui/react-components';
import type { Environment, Key } from '../api/types';
import { RouterLink } from '../common/RouterLink';
import { StateBadge } from '../common/StateBadge';
import { formatTime, modeLabel, statusLabel } from '../common/format';
import { TYPE_LABEL, keyLabel } from './environment-types';

const useStyles = makeStyles({
  // At phone width the table scrolls sideways inside its box instead of widening the page.
  scroll: { overflowX: 'auto', width: '100%' },
  table: { minWidth: '720px' },
});

export function EnvironmentTable({ environments, keys }: { environments: Environment[]; keys: Key[] | undefined }) {
  const styles = useStyles();
  return (
    <div className={styles.scroll} role="region" aria-label="Environments table" tabIndex={0}>
      <Table className={styles.table} aria-label="Environments">
        <TableHeader>
          <TableRow>
            <TableHeaderCell>Name</TableHeaderCell>
            <TableHeaderCell>Type</TableHeaderCell>
            <TableHeaderCell>Region</TableHeaderCell>
            <TableHeaderCell>Encryption</TableHeaderCell>
            <TableHeaderCell>Status</TableHeaderCell>
            <TableHeaderCell>Key</TableHeaderCell>
            <TableHeaderCell>Created</TableHeaderCell>
          </TableRow>
        </TableHeader>
        <TableBody>
          {environments.map((env) => (
            <TableRow key={env.id} data-environment-id={env.id}>
              <TableCell>
                <RouterLink to={`/environments/${env.id}`}>{env.name}</RouterLink>
              </TableCell>
              <TableCell>{TYPE_LABEL[env.type as keyof typeof TYPE_LABEL] ?? env.type}</TableCell>
              <TableCell>{env.region}</TableCell>
              <TableCell>{modeLabel(env.encryption.mode)}</TableCell>
              <TableCell>
                <StateBadge state={env.encryption.status} label={statusLabel(env.encryption.status)} />
              </TableCell>
              <TableCell>{keyLabel(env, keys)}</TableCell>
              <TableCell>{formatTime(env.createdAt)}</TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </div>
  );
}
