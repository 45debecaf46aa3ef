import { useSyncExternalStore } from 'react';

/**
 * The admin center's few pages, addressed by real paths so they can be bookmarked and opened
 * in a new tab (the server answers these paths with index.html; see src/http/routes/web-ui.ts,
 * whose list must match).
 */
export type Route =
  | { page: 'home' }
  | { page: 'tenants' }
  | { page: 'tenant' }
  | { page: 'environments' }
  | { page: 'environment'; id: string }
  | { page: 'keys' }
  | { page: 'not-found' };

export function parseRoute(pathname: string): Route {
  const path = pathname.replace(/\/+$/, '') || '/';
  if (path === '/') return { page: 'home' };
  if (path === '/tenants') return { page: 'tenants' };
  if (path === '/tenant') return { page: 'tenant' };
  if (path === '/environments') return { page: 'environments' };
  if (path === '/keys') return { page: 'keys' };
  const env = /^\/environments\/([A-Za-z0-9_-]+)$/.exec(path);
  if (env?.[1]) return { page: 'environment', id: env[1] };
  return { page: 'not-found' };
}

const NAVIGATED = 'keyward:navigated';

export function navigate(path: string, options: { replace?: boolean } = {}): void {
  if (options.replace) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  window.dispatchEvent(new Event(NAVIGATED));
}

function subscribe(onChange: () => void): () => void {
  window.addEventListener('popstate', onChange);
  window.addEventListener(NAVIGATED, onChange);
  return () => {
    window.removeEventListener('popstate', onChange);
    window.removeEventListener(NAVIGATED, onChange);
  };
}

export function usePathname(): string {
  return useSyncExternalStore(subscribe, () => window.location.pathname);
}

export function useRoute(): Route {
  return parseRoute(usePathname());
}
