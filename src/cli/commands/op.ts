import { Command } from 'commander';
import type { Operation } from '../api-types.js';
import { contextOf, example } from '../context.js';
import { seg } from '../http-client.js';
import { printJson, printLine } from '../output.js';
import { parseSeconds, printOperation, waitFor } from '../operations.js';

/** `keyward op …`: follow a long operation started elsewhere (or with --no-wait). */
export function opCommand(): Command {
  const op = example(
    new Command('op').description('long operations (activate, lock, unlock, apply, return, restore, copy, reset)'),
    'keyward op wait op_123',
  );

  example(
    op
      .command('wait')
      .description('wait for an operation to end; exits with its error code if it failed')
      .argument('<operationId>', 'the operation')
      .option('--timeout <seconds>', 'stop waiting after this long (the operation keeps running)')
      .action(async (operationId: string, options: { timeout?: string }, command: Command) => {
        const ctx = contextOf(command);
        const first = await ctx.api.get<Operation>(`/v1/operations/${seg(operationId)}`);
        const done = await waitFor(ctx, first, { timeoutSeconds: parseSeconds(options.timeout) });
        if (ctx.json) return printJson(done);
        printLine(`Operation ${done.id} (${done.type}) succeeded: ${done.progress.done}/${done.progress.total}.`);
      }),
    'keyward op wait op_123 --timeout 600',
  );

  example(
    op
      .command('show')
      .description('show an operation and its progress, without waiting')
      .argument('<operationId>', 'the operation')
      .action(async (operationId: string, _options: object, command: Command) => {
        const ctx = contextOf(command);
        const found = await ctx.api.get<Operation>(`/v1/operations/${seg(operationId)}`);
        if (ctx.json) return printJson(found);
        printOperation(found);
      }),
    'keyward op show op_123',
  );
  return op;
}
