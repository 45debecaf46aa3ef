import { Command } from 'commander';
import type { Environment, Items, Operation } from '../api-types.js';
import { contextOf, example } from '../context.js';
import { seg } from '../http-client.js';
import { finishOperation, waitFlags, type WaitOptions } from '../operations.js';
import { note, printFields, printJson, printLine, printTable } from '../output.js';
import { askLine, confirm, stdinIsTerminal } from '../terminal.js';
import { describe, getEnvironment } from './env-common.js';
import { addDatabaseOperations } from './env-operations.js';

const TYPES = 'production, sandbox, trial, developer or support';

/** `keyward env …`: environments and how their data key is protected (R2, R11, R12, R15). */
export function envCommand(): Command {
  const env = example(
    new Command('env').description("a tenant's environments, their encryption and database operations"),
    'keyward env list --tenant ten_123',
  );

  example(
    env
      .command('create')
      .description('create an environment (its own data key, on the provider key)')
      .requiredOption('--name <name>', 'its name')
      .requiredOption('--region <region>', 'one of the tenant’s regions')
      .requiredOption('--type <type>', TYPES)
      .action(async (options: { name: string; region: string; type: string }, command: Command) => {
        const ctx = contextOf(command);
        show(ctx.json, await ctx.api.post<Environment>(`/v1/tenants/${seg(ctx.tenantId())}/environments`, options));
      }),
    'keyward env create --tenant ten_123 --name Sales --region eu --type production',
  );

  example(
    env
      .command('list')
      .description("list the tenant's environments")
      .action(async (_options: object, command: Command) => {
        const ctx = contextOf(command);
        const { items } = await ctx.api.get<Items<Environment>>(`/v1/tenants/${seg(ctx.tenantId())}/environments`);
        if (ctx.json) return printJson({ items });
        printTable(
          ['ID', 'NAME', 'REGION', 'TYPE', 'KEY', 'STATUS', 'KEY ID'],
          items.map((e) => [e.id, e.name, e.region, e.type, e.encryption.mode, e.encryption.status, e.encryption.keyId]),
        );
      }),
    'keyward env list --tenant ten_123',
  );

  example(
    env
      .command('show')
      .description('show an environment and its encryption')
      .argument('<envId>', 'the environment')
      .action(async (envId: string, _options: object, command: Command) => {
        const ctx = contextOf(command);
        show(ctx.json, await getEnvironment(ctx, envId));
      }),
    'keyward env show env_456',
  );

  example(
    env
      .command('delete')
      .description('delete an environment: its data key is destroyed, data and backups with it')
      .argument('<envId>', 'the environment')
      .option('--yes', 'do not ask for confirmation', false)
      .action(async (envId: string, options: { yes: boolean }, command: Command) => {
        const ctx = contextOf(command);
        const target = await getEnvironment(ctx, envId);
        await confirm(`Delete ${describe(target)} with all its data and backups? This cannot be undone.`, options.yes);
        await ctx.api.delete(`/v1/environments/${seg(envId)}`);
        if (ctx.json) return printJson({ deleted: envId });
        printLine(`Deleted ${envId}.`);
      }),
    'keyward env delete env_456 --yes',
  );

  example(
    waitFlags(
      env
        .command('apply-tenant-key')
        .description("protect the environment with the region's active tenant key (downtime until done)")
        .argument('<envId>', 'the environment')
        .option('--acknowledge-downtime', 'accept that the environment is unusable while its key is applied'),
    ).action(async (envId: string, options: WaitOptions & { acknowledgeDowntime?: boolean }, command: Command) => {
      const ctx = contextOf(command);
      let acknowledged = options.acknowledgeDowntime === true;
      if (!acknowledged && stdinIsTerminal()) {
        await confirm('The environment is unusable until the tenant key is applied. Continue?', false);
        acknowledged = true;
      }
      // Without a terminal or the flag the server refuses with ACKNOWLEDGEMENT_REQUIRED (and audits it).
      const { operation } = await ctx.api.post<{ operation: Operation }>(`/v1/environments/${seg(envId)}/encryption/apply-tenant-key`, {
        acknowledgeDowntime: acknowledged,
      });
      await finishOperation(ctx, options, operation);
    }),
    'keyward env apply-tenant-key env_456 --acknowledge-downtime',
  );

  example(
    waitFlags(
      env
        .command('return-to-provider')
        .description('protect the environment with the provider key again (downtime until done)')
        .argument('<envId>', 'the environment')
        .option('--confirm-name <name>', "production only: the environment's name, as typed confirmation")
        .option('--yes', 'do not ask for confirmation (production still needs --confirm-name)', false),
    ).action(async (envId: string, options: WaitOptions & { confirmName?: string; yes: boolean }, command: Command) => {
      const ctx = contextOf(command);
      const target = await getEnvironment(ctx, envId);
      let confirmation = options.confirmName;
      if (target.type === 'production' && confirmation === undefined && stdinIsTerminal()) {
        // R12: the name typed is the confirmation; --yes never types it on the person's behalf.
        confirmation = await askLine(`${describe(target)} is a production environment. Type its name to return it to the provider key: `);
      } else if (target.type !== 'production') {
        await confirm(`Return ${describe(target)} to the provider key? It is unusable until done.`, options.yes);
      }
      const { operation } = await ctx.api.post<{ operation: Operation }>(
        `/v1/environments/${seg(envId)}/encryption/return-to-provider`,
        confirmation === undefined ? {} : { confirmation },
      );
      await finishOperation(ctx, options, operation);
    }),
    'keyward env return-to-provider env_456 --confirm-name Sales',
  );

  example(
    waitFlags(
      env
        .command('unlock')
        .description('unlock a locked environment, once its tenant key was unlocked (`keyward key unlock`)')
        .argument('<envId>', 'the environment'),
    ).action(async (envId: string, options: WaitOptions, command: Command) => {
      const ctx = contextOf(command);
      const { operation } = await ctx.api.post<{ operation: Operation }>(`/v1/environments/${seg(envId)}/encryption/unlock`, {});
      await finishOperation(ctx, options, operation);
    }),
    'keyward env unlock env_456',
  );

  addDatabaseOperations(env);
  return env;
}

function show(json: boolean, e: Environment): void {
  if (json) return printJson(e);
  printFields([
    ['id', e.id],
    ['name', e.name],
    ['tenant', e.tenantId],
    ['region', e.region],
    ['type', e.type],
    ['created', e.createdAt],
    ['CMK eligible', e.cmkEligible ? 'yes' : 'no'],
    ['protected by', e.encryption.mode === 'tenant' ? `tenant key ${e.encryption.keyId ?? '?'}` : 'provider key'],
    ['status', e.encryption.status],
  ]);
  if (e.encryption.status === 'locked') note('This environment is locked: unlock its tenant key, then `keyward env unlock`.');
}
