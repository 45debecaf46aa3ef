import { useEffect } from 'react';
import { Button, MessageBar, MessageBarActions, MessageBarBody, MessageBarTitle, ProgressBar, makeStyles, tokens } from '@fluentui/react-components';
import { useOperations, type TrackedOperation } from './OperationsContext';

/** A success stays long enough to be read, then makes room; a failure stays until dismissed. */
const SUCCESS_VISIBLE_MS = 8_000;

const useStyles = makeStyles({
  tray: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalS },
  progress: { marginTop: tokens.spacingVerticalXS },
});

/** Live progress of this tab's long operations, then how each ended (dismissable). */
export function OperationsTray() {
  const { tracked } = useOperations();
  const styles = useStyles();
  if (tracked.length === 0) return null;
  return (
    <section aria-label="Operations" className={styles.tray}>
      {tracked.map((t) => (
        <OperationBar key={t.operation.id} item={t} progressClass={styles.progress} />
      ))}
    </section>
  );
}

function OperationBar({ item, progressClass }: { item: TrackedOperation; progressClass: string }) {
  const { dismiss } = useOperations();
  const { operation, label } = item;
  const { done, total } = operation.progress;
  const intent = operation.status === 'running' ? 'info' : operation.status === 'succeeded' ? 'success' : 'error';
  useEffect(() => {
    if (operation.status !== 'succeeded') return;
    const timer = setTimeout(() => dismiss(operation.id), SUCCESS_VISIBLE_MS);
    return () => clearTimeout(timer);
  }, [operation.status, operation.id, dismiss]);
  const headline =
    operation.status === 'running' ? `${label}: in progress` : operation.status === 'succeeded' ? `${label}: done` : `${label}: failed`;
  return (
    <MessageBar
      intent={intent}
      layout={operation.status === 'succeeded' ? 'auto' : 'multiline'}
      data-operation-status={operation.status}
      data-operation-type={operation.type}
    >
      <MessageBarBody>
        <MessageBarTitle>{headline}</MessageBarTitle>
        {operation.status === 'running' && (
          <>
            {total > 0 ? `${done} of ${total} steps` : 'Starting…'}
            <ProgressBar className={progressClass} aria-label={`${label} progress`} {...(total > 0 ? { value: done / total } : {})} />
          </>
        )}
        {operation.error && operation.error.detail}
      </MessageBarBody>
      {operation.status !== 'running' && (
        <MessageBarActions>
          <Button appearance="transparent" onClick={() => dismiss(operation.id)} aria-label={`Dismiss: ${headline}`}>
            Dismiss
          </Button>
        </MessageBarActions>
      )}
    </MessageBar>
  );
}
