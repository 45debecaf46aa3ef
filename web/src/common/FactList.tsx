import type { ReactNode } from 'react';
import { makeStyles, mergeClasses, tokens } from '@fluentui/react-components';

const useStyles = makeStyles({
  list: {
    display: 'grid',
    gridTemplateColumns: 'minmax(140px, max-content) 1fr',
    columnGap: tokens.spacingHorizontalXL,
    rowGap: tokens.spacingVerticalS,
    margin: 0,
    '@media (max-width: 640px)': { gridTemplateColumns: '1fr', rowGap: 0 },
  },
  compact: {
    gridTemplateColumns: 'max-content 1fr',
    rowGap: tokens.spacingVerticalXS,
    '@media (max-width: 640px)': { gridTemplateColumns: 'max-content 1fr', rowGap: tokens.spacingVerticalXS },
  },
  term: { color: tokens.colorNeutralForeground3 },
  stackedTerm: { '@media (max-width: 640px)': { marginTop: tokens.spacingVerticalS } },
  value: { margin: 0, overflowWrap: 'anywhere' },
});

/**
 * Label–value pairs as a description list (read as pairs by screen readers); stacked on phones
 * unless compact (short values, as in the list cards).
 */
export function FactList({ label, facts, compact }: { label: string; facts: [string, ReactNode][]; compact?: boolean }) {
  const styles = useStyles();
  return (
    <dl className={mergeClasses(styles.list, compact && styles.compact)} aria-label={label}>
      {facts.map(([term, value]) => (
        <div key={term} style={{ display: 'contents' }}>
          <dt className={mergeClasses(styles.term, !compact && styles.stackedTerm)}>{term}</dt>
          <dd className={styles.value}>{value}</dd>
        </div>
      ))}
    </dl>
  );
}
