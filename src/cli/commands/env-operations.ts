import type { Command } from 'commander';
import type { Backup, Items, Operation } from '../api-types.js';
import { contextOf, example } from '../context.js';
import { seg } from '../http-client.js';
import { finishOperation, waitFlags, type WaitOptions } from '../operations.js';
import { printFields, printJson, printTable } from '../output.js';
import { confirm } from '../terminal.js';
import { describe, getEnvironment } from './env-common.js';

/**
 * Database operations on environments (API.md "Environment encryption and database
 * operations"; R14, R16–R18): backups, restore, copy, reset. Restore, copy and reset overwrite
 * or erase a target, so they ask first (or take --yes).
 */
export function addDatabaseOperations(env: Command): void {
  example(
    env
      .command('backup')
      .description('take a backup of an environment (a copy of its encrypted file)')
      .argument('<envId>', 'the environment')
      .option('--label <label>', 'a label to recognise it by')
      .action(async (envId: string, options: { label?: string }, command: Command) => {
        const ctx = contextOf(command);
        const backup = await ctx.api.post<Backup>(
          `/v1/environments/${seg(envId)}/backups`,
          options.label === undefined ? {} : { label: options.label },
        );
        if (ctx.json) return printJson(backup);
        printFields([
          ['id', backup.id],
          ['environment', backup.environmentId],
          ['label', backup.label],
          ['created', backup.createdAt],
        ]);
      }),
    'keyward env backup env_456 --label "before upgrade"',
  );

  example(
    env
      .command('backups')
      .description("list an environment's backups")
      .argument('<envId>', 'the environment')
      .action(async (envId: string, _options: object, command: Command) => {
        const ctx = contextOf(command);
        const { items } = await ctx.api.get<Items<Backup>>(`/v1/environments/${seg(envId)}/backups`);
        if (ctx.json) return printJson({ items });
        printTable(
          ['ID', 'LABEL', 'CREATED', 'KEY', 'BYTES'],
          items.map((b) => [b.id, b.label, b.createdAt, b.protector && (b.protector.keyId ?? b.protector.mode), b.sizeBytes]),
        );
      }),
    'keyward env backups env_456',
  );

  example(
    waitFlags(
      env
        .command('restore')
        .description('overwrite an environment with a backup (of itself, or of one on the same tenant key)')
        .argument('<targetEnvId>', 'the environment to overwrite')
        .requiredOption('--from <sourceEnvId>', 'the environment the backup was taken of')
        .requiredOption('--backup <backupId>', 'the backup')
        .option('--yes', 'do not ask for confirmation', false),
    ).action(async (targetId: string, options: WaitOptions & { from: string; backup: string; yes: boolean }, command: Command) => {
      const ctx = contextOf(command);
      const target = await getEnvironment(ctx, targetId);
      await confirm(`Overwrite ${describe(target)} with backup ${options.backup} of ${options.from}? Its current data is lost.`, options.yes);
      const { operation } = await ctx.api.post<{ operation: Operation }>(`/v1/environments/${seg(targetId)}/restore`, {
        sourceEnvironmentId: options.from,
        backupId: options.backup,
      });
      await finishOperation(ctx, options, operation);
    }),
    'keyward env restore env_456 --from env_456 --backup bak_789 --yes',
  );

  example(
    waitFlags(
      env
        .command('copy')
        .description('overwrite an environment with a copy of another on the same tenant key')
        .argument('<targetEnvId>', 'the environment to overwrite')
        .requiredOption('--from <sourceEnvId>', 'the environment to copy')
        .option('--yes', 'do not ask for confirmation', false),
    ).action(async (targetId: string, options: WaitOptions & { from: string; yes: boolean }, command: Command) => {
      const ctx = contextOf(command);
      const target = await getEnvironment(ctx, targetId);
      await confirm(`Overwrite ${describe(target)} with a copy of ${options.from}? Its current data is lost.`, options.yes);
      const { operation } = await ctx.api.post<{ operation: Operation }>(`/v1/environments/${seg(targetId)}/copy`, {
        sourceEnvironmentId: options.from,
      });
      await finishOperation(ctx, options, operation);
    }),
    'keyward env copy env_sandbox --from env_456 --yes',
  );

  example(
    waitFlags(
      env
        .command('reset')
        .description('erase an environment: its data and all its backups; it returns to the provider key')
        .argument('<envId>', 'the environment')
        .option('--yes', 'do not ask for confirmation', false),
    ).action(async (envId: string, options: WaitOptions & { yes: boolean }, command: Command) => {
      const ctx = contextOf(command);
      const target = await getEnvironment(ctx, envId);
      await confirm(`Reset ${describe(target)}? Its data and all its backups are deleted.`, options.yes);
      const { operation } = await ctx.api.post<{ operation: Operation }>(`/v1/environments/${seg(envId)}/reset`, {});
      await finishOperation(ctx, options, operation);
    }),
    'keyward env reset env_sandbox --yes',
  );
}
