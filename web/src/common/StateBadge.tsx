import { Badge, type BadgeProps } from '@fluentui/react-components';

type Color = NonNullable<BadgeProps['color']>;

const COLORS: Record<string, Color> = {
  Active: 'success',
  Available: 'informative',
  Installing: 'warning',
  Locked: 'danger',
  Failed: 'danger',
  ready: 'success',
  updating: 'warning',
  locking: 'warning',
  locked: 'danger',
  unlocking: 'warning',
};

/** A key or environment state; colour backs up the word, never replaces it. */
export function StateBadge({ state, label }: { state: string; label?: string }) {
  return (
    <Badge appearance="tint" color={COLORS[state] ?? 'informative'} data-state={state}>
      {label ?? state}
    </Badge>
  );
}
