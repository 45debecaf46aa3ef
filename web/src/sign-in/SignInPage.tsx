import { useState, type FormEvent } from 'react';
import { Body1, Button, Card, Field, Input, MessageBar, MessageBarBody, Spinner, makeStyles, tokens } from '@fluentui/react-components';
import type { RouteList } from '../session/route-list';
import { checkToken } from '../session/sign-in-check';
import { ProblemBar } from '../common/ProblemBar';
import { PageHeading } from '../common/PageHeading';
import { useSubmit } from '../common/useSubmit';

const useStyles = makeStyles({
  page: {
    minHeight: '100vh',
    display: 'grid',
    placeItems: 'center',
    padding: tokens.spacingHorizontalL,
    boxSizing: 'border-box',
    backgroundColor: tokens.colorNeutralBackground2,
  },
  card: { width: '100%', maxWidth: '440px', padding: tokens.spacingHorizontalXXL, boxSizing: 'border-box' },
  form: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalL },
});

/** Sign-in with a bearer token (the operator's, or a tenant admin's from the operator). */
export function SignInPage({ notice, onSignedIn }: { notice: string | undefined; onSignedIn: (token: string, routes: RouteList) => void }) {
  const styles = useStyles();
  const [token, setToken] = useState('');
  const { busy, problem, submit } = useSubmit(async () => {
    const trimmed = token.trim();
    onSignedIn(trimmed, await checkToken(trimmed));
  });
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    submit();
  };
  return (
    <main className={styles.page}>
      <Card className={styles.card}>
        <form className={styles.form} onSubmit={onSubmit}>
          <PageHeading>Keyward admin center</PageHeading>
          <Body1>Sign in with your access token to manage environments and their encryption keys.</Body1>
          {notice && (
            <MessageBar intent="warning">
              <MessageBarBody>{notice}</MessageBarBody>
            </MessageBar>
          )}
          <Field
            label="Access token"
            required
            hint="The operator's token is printed at first start and saved in data/operator-token. Tenant administrators get theirs when they are added."
          >
            <Input type="password" autoComplete="off" value={token} onChange={(_, d) => setToken(d.value)} />
          </Field>
          <ProblemBar problem={problem} />
          <Button type="submit" appearance="primary" disabled={busy || token.trim() === ''} icon={busy ? <Spinner size="tiny" /> : undefined}>
            Sign in
          </Button>
        </form>
      </Card>
    </main>
  );
}
