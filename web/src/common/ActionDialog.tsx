import type { FormEvent, ReactNode } from 'react';
import {
  Button,
  Dialog,
  DialogActions,
  DialogBody,
  DialogContent,
  DialogSurface,
  DialogTitle,
  Spinner,
  makeStyles,
  tokens,
} from '@fluentui/react-components';
import { ProblemBar } from './ProblemBar';
import { useSubmit } from './useSubmit';

const useStyles = makeStyles({
  content: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM },
});

export interface ActionDialogProps {
  title: string;
  confirmLabel: string;
  /** Runs the action; resolves when the server accepted it (the dialog then closes). */
  onConfirm: () => Promise<void>;
  onClose: () => void;
  confirmDisabled?: boolean;
  children: ReactNode;
}

/**
 * A confirmation before an action, as the admin center asks one ("Select Confirm to…"): what
 * will happen, any input it needs, and the server's refusal in place if it refuses. Rendered
 * only while open, so each opening starts clean.
 */
export function ActionDialog({ title, confirmLabel, onConfirm, onClose, confirmDisabled, children }: ActionDialogProps) {
  const styles = useStyles();
  const { busy, problem, submit } = useSubmit(async () => {
    await onConfirm();
    onClose();
  });
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    submit();
  };
  return (
    <Dialog open modalType="modal" onOpenChange={(_, data) => !data.open && !busy && onClose()}>
      <DialogSurface aria-describedby={undefined}>
        <form onSubmit={onSubmit}>
          <DialogBody>
            <DialogTitle>{title}</DialogTitle>
            <DialogContent className={styles.content}>
              {children}
              <ProblemBar problem={problem} />
            </DialogContent>
            <DialogActions>
              <Button type="submit" appearance="primary" disabled={busy || confirmDisabled} icon={busy ? <Spinner size="tiny" /> : undefined}>
                {confirmLabel}
              </Button>
              <Button type="button" onClick={onClose} disabled={busy}>
                Cancel
              </Button>
            </DialogActions>
          </DialogBody>
        </form>
      </DialogSurface>
    </Dialog>
  );
}
