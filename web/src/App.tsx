import { useCallback, useMemo, useState } from 'react';
import { createApi } from './api/client';
import { ConnectionContext, type Connection } from './session/ConnectionContext';
import { offersRoute, type RouteList } from './session/route-list';
import { sessionStore } from './session/session-storage';
import { SignInPage } from './sign-in/SignInPage';
import { RestoreSession } from './sign-in/RestoreSession';
import { OperationsProvider } from './operations/OperationsProvider';
import { TenantGate } from './tenants/TenantGate';

/**
 * Sign-in state: no token → sign in; a token from this tab's session but no route list yet (the
 * page was reloaded) → check it again; then the tenant gate and the pages.
 */
export function App() {
  const [token, setToken] = useState(sessionStore.token);
  const [routes, setRoutes] = useState<RouteList>();
  const [notice, setNotice] = useState<string>();

  const signOut = useCallback((reason?: string) => {
    sessionStore.clear();
    setToken(null);
    setRoutes(undefined);
    setNotice(reason);
  }, []);

  const connection = useMemo<Connection | undefined>(() => {
    if (!token || !routes) return undefined;
    const api = createApi(token, () => signOut('Your token is no longer accepted; sign in again.'));
    return { api, offers: (route, method) => offersRoute(routes, route, method), signOut };
  }, [token, routes, signOut]);

  if (!token) {
    return (
      <SignInPage
        notice={notice}
        onSignedIn={(newToken, list) => {
          sessionStore.setToken(newToken);
          setNotice(undefined);
          setRoutes(list);
          setToken(newToken);
        }}
      />
    );
  }
  if (!connection) return <RestoreSession token={token} onReady={setRoutes} onRefused={signOut} />;
  return (
    <ConnectionContext.Provider value={connection}>
      <OperationsProvider>
        <TenantGate />
      </OperationsProvider>
    </ConnectionContext.Provider>
  );
}
