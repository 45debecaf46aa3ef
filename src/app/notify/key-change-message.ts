/**
 * The e-mail every tenant admin gets on a key change (R10): who did what, when, to which key,
 * and what to do if it was not expected. Pure, so the wording is tested without a mail server.
 * Never a secret in it: the key is named by its name and a short thumbprint only.
 */
export type KeyChangeAction = 'generated' | 'uploaded' | 'activated' | 'locked' | 'unlocked';

export interface KeyChange {
  tenantName: string;
  /** As in the audit log, e.g. `a@contoso.example (usr_…)` or `operator`. */
  actor: string;
  action: KeyChangeAction;
  keyName: string;
  /** SHA-256 of the key's SubjectPublicKeyInfo, hex. */
  thumbprint: string;
  region: string;
  at: Date;
  /**
   * The tenant's audit chain head right after this change was recorded (SPEC L5): an anchor
   * outside the store. Keep the e-mails; a later `audit verify` whose chain does not pass through
   * this seq and hash shows the history was rewritten.
   */
  auditHead?: { seq: number; hash: string };
}

const WHAT_IT_MEANS: Record<KeyChangeAction, string> = {
  generated:
    'Keyward generated this key and handed out its .pfx file once. Whoever holds that file and its password can later lock and unlock the tenant, so keep both somewhere safe.',
  uploaded: 'The key was uploaded from a key file. Whoever holds that file can later lock and unlock the tenant, so keep it somewhere safe.',
  activated:
    'The key now protects the data of every environment of the region that uses the tenant key; the previously active key is no longer used. No other key can be activated for 24 hours.',
  locked:
    'Every environment of the region protected by the tenant key is being locked: nobody, the provider included, can read its data until the key is brought back. An unlock is possible from 1 hour after the lock, with the .pfx file of this key and its password. Locked environments that are not unlocked within 28 days are deleted for good.',
  unlocked: 'The key is active again. Each locked environment must now be unlocked on its own; none is unlocked automatically.',
};

/** How the sentence "<actor> … the tenant key <key>" and the subject say what happened. */
const VERB: Record<KeyChangeAction, { sentence: string; subject: (key: string) => string }> = {
  generated: { sentence: 'generated', subject: (key) => `tenant key ${key} generated` },
  uploaded: { sentence: 'uploaded', subject: (key) => `tenant key ${key} uploaded` },
  activated: { sentence: 'activated', subject: (key) => `tenant key ${key} activated` },
  locked: { sentence: 'locked the tenant with', subject: (key) => `tenant locked with key ${key}` },
  unlocked: { sentence: 'unlocked the tenant with', subject: (key) => `tenant unlocked with key ${key}` },
};

/**
 * Names come from users. Control characters (a newline above all) are replaced, so a key name
 * cannot start a line of its own in the message, e.g. a forged instruction, and the length is
 * capped so a name cannot push the warning out of view.
 */
function plain(value: string, max = 120): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is removed
  const flat = value.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** First and last 8 hex digits: enough to tell keys apart and to compare with the key file. */
export const abbreviatedThumbprint = (thumbprint: string): string =>
  thumbprint.length <= 20 ? thumbprint : `${thumbprint.slice(0, 8)}…${thumbprint.slice(-8)}`;

export function keyChangeNotification(change: KeyChange): { subject: string; text: string } {
  const tenant = plain(change.tenantName);
  const key = `"${plain(change.keyName)}" (thumbprint ${abbreviatedThumbprint(plain(change.thumbprint, 128))})`;
  const region = plain(change.region, 60);
  const actor = plain(change.actor);
  const when = change.at.toISOString();

  const subject = `[Keyward] ${tenant}: ${VERB[change.action].subject(`"${plain(change.keyName, 60)}"`)} (region ${region})`;
  const text = [
    `${actor} ${VERB[change.action].sentence} the tenant key ${key} in region ${region} of tenant ${tenant}, at ${when} (UTC).`,
    '',
    WHAT_IT_MEANS[change.action],
    '',
    'If you did not expect this change:',
    '- ask the other administrators of the tenant whether one of them made it;',
    `- check the tenant's audit log (GET /v1/tenants/{tenantId}/audit), which records every key action and who made it;`,
    '- if nobody did, treat it as a security incident: remove the access of any account you do not recognise and contact your provider.',
    '',
    `You receive this message because you are a global or service administrator of ${tenant}; every administrator is told of every key change.`,
    '',
    ...(change.auditHead
      ? [
          `Audit log anchor: entry ${change.auditHead.seq}, hash ${change.auditHead.hash}`,
          "(keep this message: the tenant's audit log must always pass through this entry with this hash; GET /v1/tenants/{tenantId}/audit/verify?anchorSeq=…&anchorHash=… checks it)",
          '',
        ]
      : []),
  ].join('\n');
  return { subject, text };
}
