import { Body1, Button, Card, MessageBar, MessageBarBody, Subtitle1, makeStyles, tokens } from '@fluentui/react-components';

const useStyles = makeStyles({
  card: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM, maxWidth: '760px', padding: tokens.spacingHorizontalXL },
  list: { margin: 0, paddingLeft: tokens.spacingHorizontalXL, display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalXS },
  actions: { display: 'flex', gap: tokens.spacingHorizontalM },
});

/**
 * The risk every key action acknowledges (R3), asked on entry as the admin center asks it.
 * The first key action of a tenant is its opt-in to managing its own keys.
 */
export function RiskAcknowledgement({ onConfirm, onCancel }: { onConfirm: () => void; onCancel: () => void }) {
  const styles = useStyles();
  return (
    <Card className={styles.card} role="region" aria-labelledby="risk-title">
      <Subtitle1 as="h2" id="risk-title">
        Understand the potential risk when you manage your keys
      </Subtitle1>
      <Body1>
        Anyone with administrator access to this tenant can create a key, activate it, and then lock every environment with it. If that key and its
        password are then taken away or deleted, the environments can&apos;t be accessed by anyone, the provider included, and their backups
        can&apos;t be restored.
      </Body1>
      <ul className={styles.list}>
        <li>After a key change, environments can&apos;t be locked for 72 hours, and all administrators are e-mailed about the change.</li>
        <li>After a key is activated, no other key can be activated for 24 hours.</li>
        <li>Locked environments that are not unlocked within 28 days are deleted.</li>
      </ul>
      <MessageBar intent="warning" layout="multiline">
        <MessageBarBody>When you manage keys here for the first time, you opt in to self-managing your tenant&apos;s encryption keys.</MessageBarBody>
      </MessageBar>
      <div className={styles.actions}>
        <Button appearance="primary" onClick={onConfirm}>
          Confirm
        </Button>
        <Button onClick={onCancel}>Cancel</Button>
      </div>
    </Card>
  );
}
