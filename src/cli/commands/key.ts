import { extname } from 'node:path';
import { Command, Option } from 'commander';
import type { Items, Key, Operation } from '../api-types.js';
import { cliFail } from '../cli-error.js';
import { contextOf, example, regionOf, type Ctx } from '../context.js';
import { seg } from '../http-client.js';
import { ensureWritable, writeNewFile } from '../local-files.js';
import { finishOperation, waitFlags, type WaitOptions } from '../operations.js';
import { note, printFields, printJson, printLine, printTable, shortHex } from '../output.js';
import { passwordFlags, readLocal, readPassword, type PasswordOptions } from '../secret-input.js';
import { confirm, stdinIsTerminal } from '../terminal.js';
import { addLockCommands } from './key-lock.js';

/** `keyward key …`: the tenant's keys (R3–R9). Lock and unlock are in key-lock.ts. */
export function keyCommand(): Command {
  const key = example(
    new Command('key').description("the tenant's encryption keys: generate, upload, activate, lock, unlock"),
    'keyward key list --tenant ten_123',
  );

  example(
    key
      .command('list')
      .description("list the tenant's keys (deleted keys are not shown)")
      .option('--region <region>', 'only this region')
      .action(async (options: { region?: string }, command: Command) => {
        const ctx = contextOf(command);
        const query = options.region === undefined ? '' : `?region=${encodeURIComponent(options.region)}`;
        const { items } = await ctx.api.get<Items<Key>>(`/v1/tenants/${seg(ctx.tenantId())}/keys${query}`);
        if (ctx.json) return printJson({ items });
        printTable(
          ['ID', 'NAME', 'REGION', 'STATE', 'SOURCE', 'SIZE', 'THUMBPRINT', 'ACTIVATED'],
          items.map((k) => [k.id, k.name, k.region, k.state, k.source, k.keySize, shortHex(k.thumbprint), k.activatedAt]),
        );
      }),
    'keyward key list --tenant ten_123 --region eu',
  );

  const generate = key
    .command('generate')
    .description('generate a key and save its password-protected .pfx (handed out this once)')
    .requiredOption('--name <name>', 'the key’s name')
    .requiredOption('--out <file.pfx>', 'where to save the .pfx (mode 0600; never overwritten without --force)')
    .option('--region <region>', "the key's region (default: the tenant's only region)")
    .addOption(new Option('--key-size <bits>', 'RSA key size').choices(['2048', '3072', '4096']).default('2048'))
    .option('--force', 'overwrite --out if it exists', false)
    .option('--acknowledge-risk', 'accept the risk of managing your own key (asked on a terminal otherwise)');
  passwordFlags(generate, 'the new .pfx password (at least 8 characters)');
  example(
    waitFlags(generate).action(async (options: GenerateOptions, command: Command) => {
      const ctx = contextOf(command);
      // Refuse a taken --out before the server makes a key it will hand out only once.
      ensureWritable(options.out, options.force);
      const region = await regionOf(ctx, options.region);
      const acknowledgeRisk = await acknowledge(options.acknowledgeRisk);
      const password = await readPassword(options, 'Password for the new .pfx: ', true);
      const body = { region, name: options.name, password, acknowledgeRisk, keySize: Number(options.keySize) };
      const {
        key: made,
        pfx,
        operation,
      } = await ctx.api.post<{ key: Key; pfx: string; operation: Operation | null }>(`/v1/tenants/${seg(ctx.tenantId())}/keys/generate`, body);
      writeNewFile(options.out, Buffer.from(pfx, 'base64'), options.force);
      note(`Saved the .pfx of ${made.name} to ${options.out} (mode 0600). Keep it and its password safe: without both a lock cannot be undone.`);
      await keyResult(ctx, options, made, operation, { pfxFile: options.out });
    }),
    'keyward key generate --name "Contoso 2025" --out contoso-2025.pfx',
    'keyward key generate --name Rotated --out rotated.pfx --password-file pw.txt --acknowledge-risk',
  );

  const upload = key
    .command('upload')
    .description('upload a .pfx (with its password) or a .byok key')
    .argument('<file>', 'the .pfx/.p12 or .byok file')
    .requiredOption('--name <name>', 'the key’s name')
    .option('--region <region>', "the key's region (default: the tenant's only region)")
    .addOption(new Option('--format <format>', 'the file format (default: from the file extension)').choices(['pfx', 'byok']))
    .option('--acknowledge-risk', 'accept the risk of managing your own key (asked on a terminal otherwise)');
  passwordFlags(upload, 'the .pfx password (not used for .byok)');
  example(
    waitFlags(upload).action(async (file: string, options: UploadOptions, command: Command) => {
      const ctx = contextOf(command);
      const format = options.format ?? formatOf(file);
      const bytes = readLocal(file);
      const region = await regionOf(ctx, options.region);
      const acknowledgeRisk = await acknowledge(options.acknowledgeRisk);
      const password = format === 'pfx' ? await readPassword(options, `Password of ${file}: `) : undefined;
      const body = {
        region,
        name: options.name,
        format,
        file: bytes.toString('base64'),
        ...(password === undefined ? {} : { password }),
        acknowledgeRisk,
      };
      const { key: added, operation } = await ctx.api.post<{ key: Key; operation: Operation | null }>(
        `/v1/tenants/${seg(ctx.tenantId())}/keys/upload`,
        body,
      );
      await keyResult(ctx, options, added, operation, {});
    }),
    'keyward key upload contoso.pfx --name Contoso --password-stdin --acknowledge-risk < pw.txt',
    'keyward key upload hsm-key.byok --name "From HSM" --region eu',
  );

  example(
    key
      .command('exchange-key')
      .description('the key-exchange key (KEK) a .byok must be wrapped for')
      .option('--region <region>', "the region (default: the tenant's only region)")
      .option('--out <file.pem>', 'also save the public key PEM to this file')
      .action(async (options: { region?: string; out?: string }, command: Command) => {
        const ctx = contextOf(command);
        const region = await regionOf(ctx, options.region);
        const kek = await ctx.api.get<{ kid: string; publicKeyPem: string; expiresAt: string }>(
          `/v1/tenants/${seg(ctx.tenantId())}/byok-exchange-key?region=${encodeURIComponent(region)}`,
        );
        if (options.out !== undefined) writeNewFile(options.out, kek.publicKeyPem, true);
        if (ctx.json) return printJson(kek);
        printFields([
          ['kid', kek.kid],
          ['expires', kek.expiresAt],
        ]);
        printLine(kek.publicKeyPem.trimEnd());
      }),
    'keyward key exchange-key --region eu --out kek.pem',
  );

  example(
    waitFlags(
      key
        .command('activate')
        .description("make a key the region's active key; environments are rewrapped with no downtime")
        .argument('<keyId>', 'an Available key')
        .option('--acknowledge-risk', 'accept the risk of managing your own key (asked on a terminal otherwise)'),
    ).action(async (keyId: string, options: WaitOptions & { acknowledgeRisk?: boolean }, command: Command) => {
      const ctx = contextOf(command);
      const acknowledgeRisk = await acknowledge(options.acknowledgeRisk);
      const { operation } = await ctx.api.post<{ operation: Operation }>(`/v1/tenants/${seg(ctx.tenantId())}/keys/${seg(keyId)}/activate`, {
        acknowledgeRisk,
      });
      await finishOperation(ctx, options, operation);
    }),
    'keyward key activate key_789 --acknowledge-risk',
  );

  addLockCommands(key);
  return key;
}

interface GenerateOptions extends WaitOptions, PasswordOptions {
  name: string;
  out: string;
  region?: string;
  keySize: string;
  force: boolean;
  acknowledgeRisk?: boolean;
}

interface UploadOptions extends WaitOptions, PasswordOptions {
  name: string;
  region?: string;
  format?: 'pfx' | 'byok';
  acknowledgeRisk?: boolean;
}

const RISK =
  "You are managing this tenant's encryption key yourself: if the key and its password are lost, or an admin locks the tenant with it, nobody (the provider included) can read the data. Every admin of the tenant is e-mailed about this change. Continue?";

/**
 * R3: every key action acknowledges the risk. On a terminal the person is asked; in a script
 * the flag says it. Without either the server is asked anyway and refuses with
 * ACKNOWLEDGEMENT_REQUIRED, which it records in the audit log.
 */
async function acknowledge(flag: boolean | undefined): Promise<boolean> {
  if (flag === true) return true;
  if (!stdinIsTerminal()) return false;
  await confirm(RISK, false);
  return true;
}

function formatOf(file: string): 'pfx' | 'byok' {
  const ext = extname(file).toLowerCase();
  if (ext === '.pfx' || ext === '.p12') return 'pfx';
  if (ext === '.byok') return 'byok';
  return cliFail('USAGE', `Cannot tell the format of ${file} from its extension; pass --format pfx or --format byok.`);
}

/** A new key (and the activation R6 started for a first key), waited for like any operation. */
async function keyResult(ctx: Ctx, options: WaitOptions, key: Key, operation: Operation | null, extra: Record<string, string>): Promise<void> {
  if (operation) {
    if (!ctx.json)
      printFields([
        ['key', key.id],
        ['name', key.name],
        ['thumbprint', key.thumbprint],
        ['state', `${key.state} (first key of ${key.region}: being activated)`],
      ]);
    return finishOperation(ctx, options, operation, (op) => ({ key, operation: op, ...extra }));
  }
  if (ctx.json) return printJson({ key, operation: null, ...extra });
  printFields([
    ['key', key.id],
    ['name', key.name],
    ['thumbprint', key.thumbprint],
    ['state', key.state],
  ]);
  if (key.state === 'Available') note(`Activate it with: keyward key activate ${key.id}`);
}
