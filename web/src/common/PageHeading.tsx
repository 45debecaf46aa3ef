import { useEffect, useRef, type ReactNode } from 'react';
import { makeStyles, typographyStyles } from '@fluentui/react-components';

const useStyles = makeStyles({
  heading: { ...typographyStyles.title2, margin: 0, outlineStyle: 'none' },
});

/**
 * The page's one h1. It takes focus when the page opens, so keyboard and screen-reader users
 * land on the new page instead of staying on the link they pressed.
 */
export function PageHeading({ children }: { children: ReactNode }) {
  const styles = useStyles();
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    ref.current?.focus({ preventScroll: true });
  }, []);
  return (
    <h1 ref={ref} tabIndex={-1} className={styles.heading}>
      {children}
    </h1>
  );
}
