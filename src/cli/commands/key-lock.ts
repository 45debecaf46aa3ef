import { constants, privateDecrypt } from 'node:crypto';
import type { Command } from 'commander';
import { readPfx, type KeyFileKey } from '../../crypto/key-files/index.js';
import { isKeywardError } from '../../domain/errors.js';
import type { Environment, Items, Key, Operation } from '../api-types.js';
import { cliFail } from '../cli-error.js';
import { contextOf, example, regionOf, type Ctx } from '../context.js';
import { seg } from '../http-client.js';
import { finishOperation, waitFlags, type WaitOptions } from '../operations.js';
import { note } from '../output.js';
import { firstLine, passwordFlags, readLocal, readPassword, type PasswordOptions } from '../secret-input.js';
import { askLine, stdinIsTerminal } from '../terminal.js';

/**
 * Lock and unlock (R13, R15). A lock proves possession of the active key without sending it: the
 * CLI opens the .pfx here, decrypts the server's lock-proof challenge with it and sends only the
 * answer (`--send-pfx` sends the .pfx and password instead, as the seed did). An unlock must send
 * the .pfx: it brings the private key back into the vault.
 * A lock also needs the challenge text the server shows typed back. The CLI never fills that in
 * itself (not even with --yes): on a terminal the person types it after seeing what will be
 * locked; a script must carry the text it was written with (--confirm-text / --confirm-text-file),
 * so a changed tenant, region or active key makes a stale script fail with CONFIRMATION_MISMATCH.
 */
export function addLockCommands(key: Command): void {
  const lock = key
    .command('lock')
    .description('lock a region: its tenant-key environments become unreadable for everyone; its keys are deleted from the vault')
    .requiredOption('--pfx <file>', "the region's active key as .pfx (proof of possession)")
    .option('--region <region>', "the region (default: the tenant's only region)")
    .option('--confirm-text <text>', 'the challenge text, typed back (scripts; asked on a terminal otherwise)')
    .option('--confirm-text-file <file>', 'read the challenge text from this file (its first line)')
    .option('--send-pfx', 'send the .pfx and its password to the server as proof, instead of answering a challenge locally');
  passwordFlags(lock, "the .pfx's password");
  lock.addHelpText(
    'after',
    '\nThe server shows a challenge (LOCK <tenant> <region> <key>) that must be typed back. On a terminal the CLI shows what\n' +
      'will be locked, then asks for it; it never fills it in itself. Scripts pass the text they were written with.',
  );
  example(
    waitFlags(lock).action(async (options: LockOptions, command: Command) => {
      const ctx = contextOf(command);
      if (options.confirmText !== undefined && options.confirmTextFile !== undefined)
        cliFail('USAGE', 'Give either --confirm-text or --confirm-text-file, not both.');
      const file = readLocal(options.pfx);
      const region = await regionOf(ctx, options.region);
      const { text: challenge } = await ctx.api.get<{ text: string }>(
        `/v1/tenants/${seg(ctx.tenantId())}/lock-challenge?region=${encodeURIComponent(region)}`,
      );
      await showBlastRadius(ctx, region);
      const password = await readPassword(options, `Password of ${options.pfx}: `);
      const confirmation = await confirmationOf(options, challenge);
      const proof = options.sendPfx ? { file: file.toString('base64'), password } : { proof: await answerLockProof(ctx, region, file, password) };
      const body = { region, confirmation, ...proof };
      const { operation } = await ctx.api.post<{ operation: Operation }>(`/v1/tenants/${seg(ctx.tenantId())}/lock`, body);
      await finishOperation(ctx, options, operation);
    }),
    'keyward key lock --region eu --pfx contoso.pfx',
    'keyward key lock --region eu --pfx contoso.pfx --password-file pw.txt --confirm-text-file challenge.txt',
  );

  const challenge = key
    .command('challenge')
    .description('show the current lock challenge of a region: what a lock would destroy, and the text to type back (valid 10 to 20 minutes)')
    .option('--region <region>', "the region (default: the tenant's only region)");
  example(
    challenge.action(async (options: { region?: string }, command: Command) => {
      const ctx = contextOf(command);
      const region = await regionOf(ctx, options.region);
      const shown = await ctx.api.get<{ text: string; expiresAt: string }>(
        `/v1/tenants/${seg(ctx.tenantId())}/lock-challenge?region=${encodeURIComponent(region)}`,
      );
      if (ctx.json) process.stdout.write(`${JSON.stringify(shown)}\n`);
      else process.stdout.write(`${shown.text}\n`);
    }),
    'keyward key challenge --region eu > challenge.txt',
  );

  const unlock = key
    .command('unlock')
    .description('bring back the key that locked a region (at least 1 hour after the lock); then unlock each environment')
    .argument('[keyId]', "the Locked key (default: the region's Locked key)")
    .requiredOption('--pfx <file>', 'the Locked key as .pfx')
    .option('--region <region>', "the region, to find its Locked key (default: the tenant's only region)");
  passwordFlags(unlock, "the .pfx's password");
  example(
    waitFlags(unlock).action(async (keyId: string | undefined, options: UnlockOptions, command: Command) => {
      const ctx = contextOf(command);
      const file = readLocal(options.pfx);
      const id = keyId ?? (await lockedKeyOf(ctx, options.region));
      const password = await readPassword(options, `Password of ${options.pfx}: `);
      const { operation } = await ctx.api.post<{ operation: Operation }>(`/v1/tenants/${seg(ctx.tenantId())}/keys/${seg(id)}/unlock`, {
        file: file.toString('base64'),
        password,
      });
      await finishOperation(ctx, options, operation);
      if (!ctx.json && options.wait !== false)
        note('The key is back. Locked environments stay locked until each is unlocked: keyward env unlock ENV_ID');
    }),
    'keyward key unlock --region eu --pfx contoso.pfx',
  );
}

interface LockOptions extends WaitOptions, PasswordOptions {
  pfx: string;
  sendPfx?: boolean;
  region?: string;
  confirmText?: string;
  confirmTextFile?: string;
}

interface UnlockOptions extends WaitOptions, PasswordOptions {
  pfx: string;
  region?: string;
}

/**
 * The lock-proof challenge answered here: the .pfx is opened on this machine, the nonce decrypted
 * with its private key, and only the nonce goes back (the key never leaves).
 */
async function answerLockProof(ctx: Ctx, region: string, file: Buffer, password: string): Promise<{ challengeId: string; response: string }> {
  let key: KeyFileKey;
  try {
    key = await readPfx(file, password);
  } catch (error) {
    if (isKeywardError(error)) cliFail(error.code === 'BAD_PASSWORD' ? 'BAD_PASSWORD' : 'INVALID_KEY_FILE', error.detail);
    throw error;
  }
  const { items } = await ctx.api.get<Items<Key>>(`/v1/tenants/${seg(ctx.tenantId())}/keys?region=${encodeURIComponent(region)}`);
  const active = items.find((k) => k.state === 'Active');
  if (active !== undefined && active.thumbprint !== key.thumbprint) {
    cliFail('KEY_MISMATCH', `This .pfx is not the active key "${active.name}" of region ${region}; give that key's .pfx.`);
  }
  const challenge = await ctx.api.post<{ challengeId: string; ciphertext: string }>(
    `/v1/tenants/${seg(ctx.tenantId())}/lock-proof?region=${encodeURIComponent(region)}`,
    undefined,
  );
  let nonce: Buffer;
  try {
    nonce = privateDecrypt(
      { key: key.privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
      Buffer.from(challenge.ciphertext, 'base64'),
    );
  } catch {
    return cliFail('KEY_MISMATCH', `This .pfx cannot answer the lock challenge of region ${region}: it is not the region's active key.`);
  }
  try {
    return { challengeId: challenge.challengeId, response: nonce.toString('base64') };
  } finally {
    nonce.fill(0);
  }
}

async function confirmationOf(options: LockOptions, challenge: string): Promise<string> {
  if (options.confirmText !== undefined) return options.confirmText;
  if (options.confirmTextFile !== undefined) return firstLine(readLocal(options.confirmTextFile));
  if (!stdinIsTerminal()) return cliFail('USAGE', 'No terminal to type the challenge on: pass --confirm-text or --confirm-text-file.');
  process.stderr.write(`To confirm, type this text exactly:\n\n    ${challenge}\n\n`);
  return askLine('> ');
}

/** Beyond the seed: what a lock will take offline, shown before the person confirms. */
async function showBlastRadius(ctx: Ctx, region: string): Promise<void> {
  const { items } = await ctx.api.get<Items<Environment>>(`/v1/tenants/${seg(ctx.tenantId())}/environments`);
  const hit = items.filter((e) => e.region === region && e.encryption.mode === 'tenant' && e.encryption.status !== 'locked');
  note(`Locking region ${region} makes ${hit.length} environment${hit.length === 1 ? '' : 's'} unreadable for everyone, the provider included:`);
  for (const e of hit) note(`  ${e.id}  ${e.name}  (${e.type})`);
  note('All Active and Available keys of the region are deleted from the vault. Unlocking needs this same .pfx and password,');
  note('at least 1 hour from now; environments not unlocked within 28 days are deleted.');
}

async function lockedKeyOf(ctx: Ctx, regionOption: string | undefined): Promise<string> {
  const region = await regionOf(ctx, regionOption);
  const { items } = await ctx.api.get<Items<Key>>(`/v1/tenants/${seg(ctx.tenantId())}/keys?region=${encodeURIComponent(region)}`);
  const locked = items.filter((k) => k.state === 'Locked');
  if (locked.length === 1 && locked[0] !== undefined) return locked[0].id;
  return cliFail('USAGE', locked.length === 0 ? `Region ${region} has no Locked key.` : `Region ${region} has several Locked keys; name one.`);
}
