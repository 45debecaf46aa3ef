import type { MouseEvent, ReactNode } from 'react';
import { Link } from '@fluentui/react-components';
import { navigate } from '../router';

/** A real link (middle-click and "open in new tab" work) that navigates in place on a plain click. */
export function RouterLink({ to, children, ...rest }: { to: string; children: ReactNode; 'aria-current'?: 'page' | undefined; className?: string }) {
  const onClick = (event: MouseEvent<HTMLAnchorElement>) => {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(to);
  };
  return (
    <Link href={to} onClick={onClick} {...rest}>
      {children}
    </Link>
  );
}
