import { useSyncExternalStore } from 'react';

const QUERY = '(max-width: 640px)';

/** Phone width: panes open full width, the navigation wraps under the header. */
export function useNarrow(): boolean {
  return useSyncExternalStore(
    (onChange) => {
      const media = window.matchMedia(QUERY);
      media.addEventListener('change', onChange);
      return () => media.removeEventListener('change', onChange);
    },
    () => window.matchMedia(QUERY).matches,
  );
}
