import { useEffect } from 'react';
import { Body1 } from '@fluentui/react-components';
import { navigate, type Route } from '../router';
import { PageHeading } from '../common/PageHeading';
import { RouterLink } from '../common/RouterLink';
import { EnvironmentsPage } from '../environments/EnvironmentsPage';
import { EnvironmentDetailsPage } from '../environments/EnvironmentDetailsPage';
import { ManageKeysPage } from '../keys/ManageKeysPage';
import { TenantPage } from '../tenants/TenantPage';

/** The page for a route, inside a chosen tenant. */
export function Pages({ route }: { route: Route }) {
  useEffect(() => {
    if (route.page === 'home') navigate('/environments', { replace: true });
  }, [route.page]);

  switch (route.page) {
    case 'environments':
      return <EnvironmentsPage />;
    case 'environment':
      return <EnvironmentDetailsPage key={route.id} environmentId={route.id} />;
    case 'keys':
      return <ManageKeysPage />;
    case 'tenant':
      return <TenantPage />;
    case 'home':
    case 'tenants':
      return null;
    case 'not-found':
      return (
        <>
          <PageHeading>Page not found</PageHeading>
          <Body1>
            There is no such page. Go to <RouterLink to="/environments">Environments</RouterLink>.
          </Body1>
        </>
      );
  }
}
