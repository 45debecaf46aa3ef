import { useState } from 'react';
import { Body1, Button } from '@fluentui/react-components';
import { unwrap } from '../api/client';
import { useConnection } from '../session/ConnectionContext';
import { useTenant } from '../tenants/TenantContext';
import { ProblemBar } from '../common/ProblemBar';
import { downloadBlob } from '../common/files';
import { formatTime } from '../common/format';
import { useSubmit } from '../common/useSubmit';

/** A .byok file must be wrapped for Keyward's key-exchange key of the region: offered here as a PEM file. */
export function ExchangeKeyDownload({ region }: { region: string }) {
  const { api, offers } = useConnection();
  const { tenant } = useTenant();
  const [fetched, setFetched] = useState<{ kid: string; expiresAt: string }>();
  const { busy, problem, submit } = useSubmit(async () => {
    const kek = await unwrap(api.GET('/v1/tenants/{tenantId}/byok-exchange-key', { params: { path: { tenantId: tenant.id }, query: { region } } }));
    downloadBlob(new Blob([kek.publicKeyPem], { type: 'application/x-pem-file' }), `keyward-kek-${kek.kid}.pem`);
    setFetched({ kid: kek.kid, expiresAt: kek.expiresAt });
  });
  if (!offers('/v1/tenants/{tenantId}/byok-exchange-key', 'get')) return null;
  return (
    <>
      <Body1>
        A .byok file needs no password: your HSM wraps the key for Keyward&apos;s key exchange key of region {region}. Export it with the key exchange
        key below.
      </Body1>
      <div>
        <Button onClick={submit} disabled={busy}>
          Download the key exchange key
        </Button>
      </div>
      {fetched && (
        <Body1 role="status">
          Key exchange key {fetched.kid} was downloaded; use it before {formatTime(fetched.expiresAt)}.
        </Body1>
      )}
      <ProblemBar problem={problem} />
    </>
  );
}
