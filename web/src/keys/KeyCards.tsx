import { Radio, makeStyles, tokens } from '@fluentui/react-components';
import type { Key } from '../api/types';
import { FactList } from '../common/FactList';
import { StateBadge } from '../common/StateBadge';
import { formatTime, shortThumbprint } from '../common/format';

const useStyles = makeStyles({
  list: { listStyleType: 'none', margin: 0, padding: 0, display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM },
  card: {
    display: 'flex',
    flexDirection: 'column',
    gap: tokens.spacingVerticalS,
    padding: tokens.spacingHorizontalM,
    border: `1px solid ${tokens.colorNeutralStroke2}`,
    borderRadius: tokens.borderRadiusMedium,
  },
  selected: { border: `2px solid ${tokens.colorBrandStroke1}` },
});

/** The key table at phone width: a card per key, chosen with its radio (labelled by the key's name). */
export function KeyCards({ keys, selectedId, onSelect }: { keys: Key[]; selectedId: string | undefined; onSelect: (id: string) => void }) {
  const styles = useStyles();
  return (
    <ul className={styles.list} aria-label="Encryption keys">
      {keys.map((key) => (
        <li
          key={key.id}
          className={key.id === selectedId ? `${styles.card} ${styles.selected}` : styles.card}
          data-key-name={key.name}
          data-key-state={key.state}
        >
          <Radio name="selected-key" value={key.id} checked={key.id === selectedId} onChange={() => onSelect(key.id)} label={key.name} />
          <FactList
            compact
            label={`${key.name} details`}
            facts={[
              ['Key state', <StateBadge key="s" state={key.state} />],
              ...(key.state === 'Failed' && key.failureReason ? ([['Reason', key.failureReason]] as [string, string][]) : []),
              ['Region', key.region],
              [
                'Thumbprint',
                <span key="t" title={key.thumbprint}>
                  {shortThumbprint(key.thumbprint)}
                </span>,
              ],
              ['Created', formatTime(key.createdAt)],
              ['Activated', formatTime(key.activatedAt)],
            ]}
          />
        </li>
      ))}
    </ul>
  );
}
