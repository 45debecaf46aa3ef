import { useState, type FormEvent } from 'react';
import {
  Body1,
  Button,
  Dialog,
  DialogActions,
  DialogBody,
  DialogContent,
  DialogSurface,
  DialogTitle,
  Field,
  Input,
  Select,
  makeStyles,
  tokens,
} from '@fluentui/react-components';
import { unwrap } from '../api/client';
import type { CreatedUser, Role } from '../api/types';
import { useConnection } from '../session/ConnectionContext';
import { ProblemBar } from '../common/ProblemBar';
import { useApiData } from '../common/useApiData';
import { useSubmit } from '../common/useSubmit';
import { useTenant } from './TenantContext';

const useStyles = makeStyles({
  content: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM },
});

type RoleName = Role['role'];

/**
 * Adds a person with one role; their token is shown once, in the same dialog, and never again.
 * One dialog for both steps: swapping two modal dialogs leaves the page hidden from assistive tech.
 */
export function AddPersonDialog({ onClose }: { onClose: () => void }) {
  const styles = useStyles();
  const { api } = useConnection();
  const { tenant } = useTenant();
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<RoleName>('global-admin');
  const [environmentId, setEnvironmentId] = useState('');
  const [created, setCreated] = useState<CreatedUser>();
  const environments = useApiData(
    () => unwrap(api.GET('/v1/tenants/{tenantId}/environments', { params: { path: { tenantId: tenant.id } } })),
    [tenant.id],
    { skip: role !== 'env-admin' },
  );
  const roles: Role[] = role === 'env-admin' ? [{ role, environmentId }] : [{ role }];
  const add = useSubmit(async () => {
    setCreated(
      await unwrap(api.POST('/v1/tenants/{tenantId}/users', { params: { path: { tenantId: tenant.id } }, body: { email: email.trim(), roles } })),
    );
  });
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    add.submit();
  };
  const incomplete = email.trim() === '' || (role === 'env-admin' && environmentId === '');

  return (
    <Dialog open onOpenChange={(_, d) => !d.open && !add.busy && onClose()}>
      <DialogSurface>
        <form onSubmit={onSubmit}>
          <DialogBody>
            <DialogTitle>{created ? `${created.email} was added` : 'Add a person'}</DialogTitle>
            <DialogContent className={styles.content}>
              {created ? (
                <>
                  <Body1>Give them this token and the tenant ID. The token is shown only now.</Body1>
                  <Field label="Token">
                    <Input readOnly value={created.token} data-testid="created-token" />
                  </Field>
                  <Field label="Tenant ID">
                    <Input readOnly value={tenant.id} />
                  </Field>
                </>
              ) : (
                <>
                  <Field label="E-mail" required>
                    <Input type="email" value={email} onChange={(_, d) => setEmail(d.value)} />
                  </Field>
                  <Field label="Role">
                    <Select value={role} onChange={(_, d) => setRole(d.value as RoleName)}>
                      <option value="global-admin">Global admin</option>
                      <option value="service-admin">Service admin</option>
                      <option value="env-admin">Environment system administrator</option>
                    </Select>
                  </Field>
                  {role === 'env-admin' && (
                    <Field label="Environment" required>
                      <Select value={environmentId} onChange={(_, d) => setEnvironmentId(d.value)}>
                        <option value="">Choose an environment</option>
                        {environments.data?.items.map((e) => (
                          <option key={e.id} value={e.id}>
                            {e.name}
                          </option>
                        ))}
                      </Select>
                    </Field>
                  )}
                  <ProblemBar problem={add.problem} />
                </>
              )}
            </DialogContent>
            <DialogActions>
              {created ? (
                <Button type="button" appearance="primary" onClick={onClose}>
                  Done
                </Button>
              ) : (
                <>
                  <Button type="submit" appearance="primary" disabled={add.busy || incomplete}>
                    Add
                  </Button>
                  <Button type="button" onClick={onClose} disabled={add.busy}>
                    Cancel
                  </Button>
                </>
              )}
            </DialogActions>
          </DialogBody>
        </form>
      </DialogSurface>
    </Dialog>
  );
}
