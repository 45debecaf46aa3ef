import { Body1, Spinner, Subtitle1, makeStyles, tokens } from '@fluentui/react-components';
import { unwrap } from '../api/client';
import { useConnection } from '../session/ConnectionContext';
import { PageHeading } from '../common/PageHeading';
import { ProblemBar } from '../common/ProblemBar';
import { FactList } from '../common/FactList';
import { RouterLink } from '../common/RouterLink';
import { formatTime } from '../common/format';
import { useApiData } from '../common/useApiData';
import { useTenantKeys } from '../keys/useTenantKeys';
import { EncryptionSection } from './EncryptionSection';
import { DatabaseSection } from './DatabaseSection';
import { TYPE_LABEL, isTransitional } from './environment-types';

const useStyles = makeStyles({
  section: {
    display: 'flex',
    flexDirection: 'column',
    gap: tokens.spacingVerticalM,
    padding: tokens.spacingHorizontalL,
    border: `1px solid ${tokens.colorNeutralStroke2}`,
    borderRadius: tokens.borderRadiusMedium,
  },
});

/** One environment: details, its Environment encryption section, and database operations. */
export function EnvironmentDetailsPage({ environmentId }: { environmentId: string }) {
  const styles = useStyles();
  const { api } = useConnection();
  const environment = useApiData(() => unwrap(api.GET('/v1/environments/{envId}', { params: { path: { envId: environmentId } } })), [environmentId], {
    pollWhile: isTransitional,
  });
  const keys = useTenantKeys();
  const env = environment.data;

  if (!env) {
    return (
      <>
        <Body1>
          <RouterLink to="/environments">Environments</RouterLink>
        </Body1>
        {environment.problem ? <ProblemBar problem={environment.problem} /> : <Spinner label="Loading the environment…" />}
      </>
    );
  }
  return (
    <>
      <Body1>
        <RouterLink to="/environments">Environments</RouterLink> › {env.name}
      </Body1>
      <PageHeading>{env.name}</PageHeading>
      <ProblemBar problem={environment.problem} />
      <section className={styles.section} aria-labelledby="details-title">
        <Subtitle1 as="h2" id="details-title">
          Details
        </Subtitle1>
        <FactList
          label="Environment details"
          facts={[
            ['Environment ID', env.id],
            ['Type', TYPE_LABEL[env.type as keyof typeof TYPE_LABEL] ?? env.type],
            ['Region', env.region],
            ['Created', formatTime(env.createdAt)],
            ['Can use a tenant key', env.cmkEligible ? 'Yes' : 'No'],
          ]}
        />
      </section>
      <section className={styles.section} aria-labelledby="encryption-title">
        <Subtitle1 as="h2" id="encryption-title">
          Environment encryption
        </Subtitle1>
        <EncryptionSection environment={env} keys={keys.data?.items} />
      </section>
      <section className={styles.section} aria-labelledby="database-title">
        <Subtitle1 as="h2" id="database-title">
          Backups and database operations
        </Subtitle1>
        <DatabaseSection environment={env} />
      </section>
    </>
  );
}
