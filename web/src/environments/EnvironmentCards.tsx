import { makeStyles, tokens } from '@fluentui/react-components';
import type { Environment, Key } from '../api/types';
import { FactList } from '../common/FactList';
import { RouterLink } from '../common/RouterLink';
import { StateBadge } from '../common/StateBadge';
import { modeLabel, statusLabel } from '../common/format';
import { TYPE_LABEL, keyLabel } from './environment-types';

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
  name: { fontWeight: tokens.fontWeightSemibold },
});

/** The environment list at phone width: one card per environment instead of a seven-column table. */
export function EnvironmentCards({ environments, keys }: { environments: Environment[]; keys: Key[] | undefined }) {
  const styles = useStyles();
  return (
    <ul className={styles.list} aria-label="Environments">
      {environments.map((env) => (
        <li key={env.id} className={styles.card} data-environment-id={env.id}>
          <RouterLink to={`/environments/${env.id}`} className={styles.name}>
            {env.name}
          </RouterLink>
          <FactList
            compact
            label={`${env.name} summary`}
            facts={[
              ['Type', `${TYPE_LABEL[env.type as keyof typeof TYPE_LABEL] ?? env.type}, ${env.region}`],
              ['Encryption', modeLabel(env.encryption.mode)],
              ['Status', <StateBadge key="s" state={env.encryption.status} label={statusLabel(env.encryption.status)} />],
              ['Key', keyLabel(env, keys)],
            ]}
          />
        </li>
      ))}
    </ul>
  );
}
