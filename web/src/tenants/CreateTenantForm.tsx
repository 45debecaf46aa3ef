import { useState, type FormEvent } from 'react';
import { Button, Checkbox, Field, Input, makeStyles, tokens } from '@fluentui/react-components';
import { unwrap } from '../api/client';
import type { Tenant } from '../api/types';
import { useConnection } from '../session/ConnectionContext';
import { ProblemBar } from '../common/ProblemBar';
import { useSubmit } from '../common/useSubmit';

const useStyles = makeStyles({
  form: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM },
});

/** The operator creates a tenant (POST /v1/tenants); CMK is turned on later from the tenant page (R1). */
export function CreateTenantForm({ onCreated }: { onCreated: (tenant: Tenant) => void }) {
  const styles = useStyles();
  const { api } = useConnection();
  const [name, setName] = useState('');
  const [seats, setSeats] = useState('1500');
  const [regions, setRegions] = useState('eu');
  const [optIn, setOptIn] = useState(true);
  const regionList = regions
    .split(',')
    .map((r) => r.trim())
    .filter(Boolean);
  const seatCount = Number(seats);
  const valid = name.trim() !== '' && regionList.length > 0 && Number.isInteger(seatCount) && seatCount >= 0;
  const { busy, problem, submit } = useSubmit(async () => {
    const body = { name: name.trim(), licensedSeats: seatCount, regions: regionList, cmkOptIn: optIn };
    onCreated(await unwrap(api.POST('/v1/tenants', { body })));
  });
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    submit();
  };
  return (
    <form className={styles.form} onSubmit={onSubmit}>
      <Field label="Tenant name" required>
        <Input value={name} onChange={(_, d) => setName(d.value)} />
      </Field>
      <Field label="Licensed seats" hint="Customer-managed keys need more than 1000." required>
        <Input type="number" min={0} value={seats} onChange={(_, d) => setSeats(d.value)} />
      </Field>
      <Field label="Regions" hint="Comma-separated, for example: eu, us" required>
        <Input value={regions} onChange={(_, d) => setRegions(d.value)} />
      </Field>
      <Checkbox label="The tenant opted in to customer-managed keys" checked={optIn} onChange={(_, d) => setOptIn(d.checked === true)} />
      <ProblemBar problem={problem} />
      <div>
        <Button type="submit" appearance="primary" disabled={busy || !valid}>
          Create tenant
        </Button>
      </div>
    </form>
  );
}
