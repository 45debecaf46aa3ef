/** How times, thumbprints and waits read on screen. */
const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export const formatTime = (iso: string | null | undefined): string => (iso ? dateTime.format(new Date(iso)) : '—');

/** Enough of the thumbprint to tell keys apart at a glance; the full one is in the title. */
export const shortThumbprint = (thumbprint: string): string => thumbprint.slice(0, 8);

/** "about 23 hours" — a wait as people say it, rounded up so it never promises too early. */
export function describeWait(seconds: number): string {
  if (seconds < 90) return `${Math.max(1, Math.ceil(seconds))} seconds`;
  const minutes = Math.ceil(seconds / 60);
  if (minutes < 90) return `about ${minutes} minutes`;
  const hours = Math.ceil(minutes / 60);
  if (hours < 48) return `about ${hours} hours`;
  return `about ${Math.ceil(hours / 24)} days`;
}

/** Bytes as people read them: "412 KB". */
export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}

export const modeLabel = (mode: 'provider' | 'tenant'): string => (mode === 'tenant' ? 'Tenant-managed key' : 'Provider-managed key');

const STATUS_LABEL: Record<string, string> = {
  ready: 'Ready',
  updating: 'Updating',
  locking: 'Locking',
  locked: 'Locked',
  unlocking: 'Unlocking',
};
export const statusLabel = (status: string): string => STATUS_LABEL[status] ?? status;
