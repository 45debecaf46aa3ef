import { useState } from 'react';
import { Body1, Button, MessageBar, MessageBarBody, Subtitle1, makeStyles, tokens, useRestoreFocusTarget } from '@fluentui/react-components';
import { unwrap } from '../api/client';
import { useConnection } from '../session/ConnectionContext';
import { PageHeading } from '../common/PageHeading';
import { ProblemBar } from '../common/ProblemBar';
import { FactList } from '../common/FactList';
import { formatTime } from '../common/format';
import { useSubmit } from '../common/useSubmit';
import { useTenant } from './TenantContext';
import { AddPersonDialog } from './AddPersonDialog';

const useStyles = makeStyles({
  section: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM, alignItems: 'flex-start' },
});

/** The tenant's facts, the provider's switch for customer-managed keys (R1), and adding people. */
export function TenantPage() {
  const styles = useStyles();
  const { api } = useConnection();
  const { tenant, reloadTenant } = useTenant();
  const [adding, setAdding] = useState(false);
  // Focus returns to the button that opened the dialog when it closes.
  const restoreFocus = useRestoreFocusTarget();
  const enable = useSubmit(async () => {
    await unwrap(api.POST('/v1/tenants/{tenantId}/cmk', { params: { path: { tenantId: tenant.id } }, body: { enabled: true } }));
    reloadTenant();
  });
  return (
    <>
      <PageHeading>{tenant.name}</PageHeading>
      <FactList
        label="Tenant details"
        facts={[
          ['Tenant ID', tenant.id],
          ['Licensed seats', String(tenant.licensedSeats)],
          ['Regions', tenant.regions.join(', ')],
          ['Opted in to customer-managed keys', tenant.cmkOptIn ? 'Yes' : 'No'],
          ['Customer-managed keys', tenant.cmkEnabled ? `Enabled on ${formatTime(tenant.cmkEnabledAt)}` : 'Not enabled'],
        ]}
      />
      <section className={styles.section} aria-labelledby="cmk-title">
        <Subtitle1 as="h2" id="cmk-title">
          Customer-managed keys
        </Subtitle1>
        {tenant.cmkEnabled ? (
          <Body1>Enabled. Only environments created after this can use a tenant key.</Body1>
        ) : (
          <>
            <MessageBar intent="info">
              <MessageBarBody>
                The provider turns this on for tenants that opted in and have more than 1000 licensed seats. Environments created before it is turned
                on keep the provider-managed key.
              </MessageBarBody>
            </MessageBar>
            <ProblemBar problem={enable.problem} />
            <Button appearance="primary" onClick={enable.submit} disabled={enable.busy}>
              Turn on customer-managed keys
            </Button>
          </>
        )}
      </section>
      <section className={styles.section} aria-labelledby="people-title">
        <Subtitle1 as="h2" id="people-title">
          People
        </Subtitle1>
        <Body1>Administrators get a token, shown once, to sign in with. The provider and global admins can add people.</Body1>
        <Button {...restoreFocus} onClick={() => setAdding(true)}>
          Add a person
        </Button>
      </section>
      {adding && <AddPersonDialog onClose={() => setAdding(false)} />}
    </>
  );
}
