/**
 * The e-mail every tenant admin gets when a locked environment is purged (R14): it was locked,
 * nobody unlocked it within 28 days, and its data and backups are now gone for good. Pure, so
 * the wording is tested without a mail server; never a secret in it.
 */
export interface PurgeNotice {
  tenantName: string;
  environmentName: string;
  environmentId: string;
  region: string;
  lockedAt: Date;
  purgedAt: Date;
  backups: number;
}

/**
 * Names come from users: control characters (a newline above all) are flattened so a name
 * cannot start a line of its own in the message, and the length is capped (as in
 * key-change-message.ts, whose helper is private to it).
 */
function plain(value: string, max = 120): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is removed
  const flat = value.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

export function purgeNotification(notice: PurgeNotice): { subject: string; text: string } {
  const tenant = plain(notice.tenantName);
  const env = plain(notice.environmentName);
  const region = plain(notice.region, 60);
  const subject = `[Keyward] ${tenant}: locked environment "${plain(notice.environmentName, 60)}" purged (region ${region})`;
  const text = [
    `The environment "${env}" (${plain(notice.environmentId, 140)}) in region ${region} of tenant ${tenant} was locked at ${notice.lockedAt.toISOString()} (UTC) and was not unlocked within 28 days.`,
    '',
    `At ${notice.purgedAt.toISOString()} (UTC) Keyward deleted it, as announced when the tenant was locked: its data and its ${notice.backups} backup(s) were crypto-shredded (the data key was destroyed and the files removed). Nobody, the provider included, can recover them.`,
    '',
    "The tenant's audit log (GET /v1/tenants/{tenantId}/audit) records the purge as environment.purge.",
    '',
    `You receive this message because you are a global or service administrator of ${tenant}.`,
    '',
  ].join('\n');
  return { subject, text };
}
