import type { ReactNode } from 'react';
import { Button, DrawerBody, DrawerHeader, DrawerHeaderTitle, OverlayDrawer } from '@fluentui/react-components';
import { useNarrow } from './useNarrow';

/**
 * A side pane, as the admin center opens for New key (left) and Lock/Unlock (right); full width
 * on a phone. Modal: focus stays inside until it closes, Escape closes it.
 */
export function PaneDrawer({
  title,
  side,
  onClose,
  busy,
  children,
}: {
  title: string;
  side: 'start' | 'end';
  onClose: () => void;
  busy?: boolean;
  children: ReactNode;
}) {
  const narrow = useNarrow();
  return (
    <OverlayDrawer open position={side} size={narrow ? 'full' : 'medium'} onOpenChange={(_, d) => !d.open && !busy && onClose()}>
      <DrawerHeader>
        <DrawerHeaderTitle
          action={
            <Button appearance="subtle" aria-label="Close" onClick={onClose} disabled={busy}>
              ✕
            </Button>
          }
        >
          {title}
        </DrawerHeaderTitle>
      </DrawerHeader>
      <DrawerBody>{children}</DrawerBody>
    </OverlayDrawer>
  );
}
