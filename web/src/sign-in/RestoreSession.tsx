import { useEffect } from 'react';
import { Spinner } from '@fluentui/react-components';
import type { RouteList } from '../session/route-list';
import { checkToken } from '../session/sign-in-check';

/** After a reload: the token is still in this tab's session; check it and learn the routes again. */
export function RestoreSession({
  token,
  onReady,
  onRefused,
}: {
  token: string;
  onReady: (routes: RouteList) => void;
  onRefused: (reason: string) => void;
}) {
  useEffect(() => {
    let current = true;
    checkToken(token).then(
      (routes) => current && onReady(routes),
      () => current && onRefused('Your session could not be restored; sign in again.'),
    );
    return () => {
      current = false;
    };
  }, [token, onReady, onRefused]);
  return <Spinner label="Signing in…" style={{ marginTop: '30vh' }} />;
}
