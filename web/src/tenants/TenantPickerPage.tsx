import { useState, type FormEvent } from 'react';
import { Body1, Button, Field, Input, Subtitle1, makeStyles, tokens } from '@fluentui/react-components';
import { unwrap } from '../api/client';
import type { ApiProblem } from '../api/problem';
import { useConnection } from '../session/ConnectionContext';
import { sessionStore } from '../session/session-storage';
import { PageHeading } from '../common/PageHeading';
import { ProblemBar } from '../common/ProblemBar';
import { useSubmit } from '../common/useSubmit';
import { CreateTenantForm } from './CreateTenantForm';

const useStyles = makeStyles({
  section: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM, maxWidth: '560px' },
  row: { display: 'flex', flexWrap: 'wrap', alignItems: 'end', gap: tokens.spacingHorizontalM },
  grow: { flexGrow: 1, minWidth: '220px' },
  list: { margin: 0, paddingLeft: tokens.spacingHorizontalL, display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalXS },
});

/**
 * Which tenant to work in. There is no route listing tenants, so: type an id (tenant admins
 * get theirs with their token), or pick one of the tenants created in this tab's session.
 */
export function TenantPickerPage({ onChoose, problem }: { onChoose: (tenantId: string) => void; problem: ApiProblem | undefined }) {
  const styles = useStyles();
  const { api } = useConnection();
  const [tenantId, setTenantId] = useState('');
  const created = sessionStore.createdTenants();
  const open = useSubmit(async () => {
    const id = tenantId.trim();
    await unwrap(api.GET('/v1/tenants/{tenantId}', { params: { path: { tenantId: id } } }));
    onChoose(id);
  });
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    open.submit();
  };
  return (
    <>
      <PageHeading>Choose a tenant</PageHeading>
      <ProblemBar problem={problem} />
      <form className={styles.section} onSubmit={onSubmit} aria-labelledby="open-tenant-title">
        <Subtitle1 as="h2" id="open-tenant-title">
          Open a tenant
        </Subtitle1>
        <div className={styles.row}>
          <Field label="Tenant ID" required className={styles.grow}>
            <Input value={tenantId} onChange={(_, d) => setTenantId(d.value)} autoComplete="off" />
          </Field>
          <Button type="submit" appearance="primary" disabled={open.busy || tenantId.trim() === ''}>
            Open
          </Button>
        </div>
        <ProblemBar problem={open.problem} />
      </form>
      {created.length > 0 && (
        <section className={styles.section} aria-labelledby="created-title">
          <Subtitle1 as="h2" id="created-title">
            Tenants you created in this session
          </Subtitle1>
          <ul className={styles.list}>
            {created.map((t) => (
              <li key={t.id}>
                <Button appearance="transparent" onClick={() => onChoose(t.id)}>
                  {t.name} ({t.id})
                </Button>
              </li>
            ))}
          </ul>
        </section>
      )}
      <section className={styles.section} aria-labelledby="create-tenant-title">
        <Subtitle1 as="h2" id="create-tenant-title">
          Create a tenant
        </Subtitle1>
        <Body1>For the provider (operator token) only.</Body1>
        <CreateTenantForm
          onCreated={(tenant) => {
            sessionStore.rememberTenant({ id: tenant.id, name: tenant.name });
            onChoose(tenant.id);
          }}
        />
      </section>
    </>
  );
}
