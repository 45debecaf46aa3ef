import type { ReactNode } from 'react';
import { Button, Text, makeStyles, tokens, useFocusFinders } from '@fluentui/react-components';
import type { Tenant } from '../api/types';
import { useConnection } from '../session/ConnectionContext';
import { usePathname } from '../router';
import { RouterLink } from '../common/RouterLink';
import { OperationsTray } from '../operations/OperationsTray';

const useStyles = makeStyles({
  skip: {
    position: 'absolute',
    left: '-9999px',
    ':focus': {
      left: tokens.spacingHorizontalM,
      top: tokens.spacingVerticalM,
      zIndex: 10,
      backgroundColor: tokens.colorNeutralBackground1,
      padding: tokens.spacingHorizontalS,
    },
  },
  header: {
    display: 'flex',
    flexWrap: 'wrap',
    alignItems: 'center',
    gap: tokens.spacingHorizontalM,
    padding: `${tokens.spacingVerticalS} ${tokens.spacingHorizontalL}`,
    backgroundColor: tokens.colorBrandBackground,
    color: tokens.colorNeutralForegroundOnBrand,
  },
  brand: { fontWeight: tokens.fontWeightSemibold, marginRight: 'auto' },
  tenant: { color: tokens.colorNeutralForegroundOnBrand },
  nav: {
    display: 'flex',
    flexWrap: 'wrap',
    gap: tokens.spacingHorizontalL,
    padding: `${tokens.spacingVerticalS} ${tokens.spacingHorizontalL}`,
    borderBottom: `1px solid ${tokens.colorNeutralStroke2}`,
    backgroundColor: tokens.colorNeutralBackground1,
  },
  current: { fontWeight: tokens.fontWeightSemibold, textDecorationLine: 'underline' },
  main: {
    display: 'flex',
    flexDirection: 'column',
    gap: tokens.spacingVerticalL,
    padding: tokens.spacingHorizontalL,
    maxWidth: '1200px',
    boxSizing: 'border-box',
    width: '100%',
    margin: '0 auto',
  },
});

const NAV = [
  { to: '/environments', label: 'Environments', match: /^\/environments/ },
  { to: '/keys', label: 'Manage encryption keys', match: /^\/keys/ },
  { to: '/tenant', label: 'Tenant', match: /^\/tenant$/ },
];

/** Header (who and which tenant), navigation, live operations, then the page. */
export function AppShell({ tenant, children }: { tenant: Tenant | undefined; children: ReactNode }) {
  const styles = useStyles();
  const { signOut } = useConnection();
  const pathname = usePathname();
  // Keeps Fluent's focus manager (tabster) alive for the whole session. Without a long-lived
  // user, closing the only dialog on a page disposed it before it took aria-hidden off the
  // page, leaving the page hidden from screen readers (and from getByRole in the tests).
  useFocusFinders();
  return (
    <>
      <a href="#main" className={styles.skip}>
        Skip to content
      </a>
      <header className={styles.header}>
        <Text className={styles.brand} size={400}>
          Keyward admin center
        </Text>
        {tenant && (
          <Text className={styles.tenant} data-testid="current-tenant">
            Tenant: {tenant.name}
          </Text>
        )}
        <Button appearance="secondary" size="small" onClick={() => signOut()}>
          Sign out
        </Button>
      </header>
      <nav aria-label="Main" className={styles.nav}>
        {tenant &&
          NAV.map((item) => {
            const current = item.match.test(pathname);
            return (
              <RouterLink key={item.to} to={item.to} aria-current={current ? 'page' : undefined} className={current ? styles.current : undefined}>
                {item.label}
              </RouterLink>
            );
          })}
        <RouterLink to="/tenants">{tenant ? 'Switch tenant' : 'Choose a tenant'}</RouterLink>
      </nav>
      <main id="main" className={styles.main}>
        <OperationsTray />
        {children}
      </main>
    </>
  );
}
