import { Radio, Table, TableBody, TableCell, TableHeader, TableHeaderCell, TableRow, makeStyles, tokens } from '@fluentui/react-components';
import type { Key } from '../api/types';
import { StateBadge } from '../common/StateBadge';
import { formatTime, shortThumbprint } from '../common/format';

const useStyles = makeStyles({
  scroll: { overflowX: 'auto', width: '100%' },
  table: { minWidth: '760px' },
  row: { cursor: 'pointer' },
  mono: { fontFamily: 'monospace' },
  reason: { color: tokens.colorPaletteRedForeground1, fontSize: tokens.fontSizeBase200 },
});

/**
 * The tenant's keys. A key is chosen with the radio in its row (the row itself is clickable too):
 * the toolbar's actions apply to the chosen key, as in the admin center.
 */
export function KeyTable({ keys, selectedId, onSelect }: { keys: Key[]; selectedId: string | undefined; onSelect: (id: string) => void }) {
  const styles = useStyles();
  return (
    <div className={styles.scroll} role="region" aria-label="Keys table" tabIndex={0}>
      <Table className={styles.table} aria-label="Encryption keys">
        <TableHeader>
          <TableRow>
            <TableHeaderCell style={{ width: '48px' }}>
              <span className="visually-hidden">Select</span>
            </TableHeaderCell>
            <TableHeaderCell>Name</TableHeaderCell>
            <TableHeaderCell>Region</TableHeaderCell>
            <TableHeaderCell>Key state</TableHeaderCell>
            <TableHeaderCell>Thumbprint</TableHeaderCell>
            <TableHeaderCell>Created</TableHeaderCell>
            <TableHeaderCell>Activated</TableHeaderCell>
          </TableRow>
        </TableHeader>
        <TableBody>
          {keys.map((key) => (
            <TableRow
              key={key.id}
              className={styles.row}
              onClick={() => onSelect(key.id)}
              aria-selected={key.id === selectedId}
              data-key-name={key.name}
              data-key-state={key.state}
            >
              <TableCell>
                <Radio
                  name="selected-key"
                  value={key.id}
                  checked={key.id === selectedId}
                  onChange={() => onSelect(key.id)}
                  input={{ 'aria-label': `Select key ${key.name}` }}
                />
              </TableCell>
              <TableCell>
                {key.name}
                {key.state === 'Failed' && key.failureReason && <div className={styles.reason}>{key.failureReason}</div>}
              </TableCell>
              <TableCell>{key.region}</TableCell>
              <TableCell>
                <StateBadge state={key.state} />
              </TableCell>
              <TableCell className={styles.mono}>
                <span title={key.thumbprint} aria-label={`Thumbprint ${key.thumbprint}`}>
                  {shortThumbprint(key.thumbprint)}
                </span>
              </TableCell>
              <TableCell>{formatTime(key.createdAt)}</TableCell>
              <TableCell>{formatTime(key.activatedAt)}</TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </div>
  );
}
