import type { Command } from 'commander';
import type { Operation } from './api-types.js';
import { CliError } from './cli-error.js';
import { LOCAL_EXIT_CODES } from './exit-codes.js';
import type { Ctx } from './context.js';
import { seg } from './http-client.js';
import { note, printFields, printJson, printLine } from './output.js';
import { stderrIsTerminal } from './terminal.js';

/**
 * Long operations (API.md: 202 + operation) are waited for by default, polling
 * GET /v1/operations/{id}: a bar redrawn on one line when stderr is a terminal, a plain
 * `done/total` line per change otherwise (logs and CI keep every step). `--no-wait` prints the
 * operation and returns at once: the server finishes it regardless (operations are durable).
 */
export interface WaitOptions {
  wait?: boolean;
  timeout?: string;
}

/** Adds `--no-wait` and `--timeout` to a command that starts a long operation. */
export function waitFlags(command: Command): Command {
  return command
    .option('--no-wait', 'print the operation id and return without waiting')
    .option('--timeout <seconds>', 'stop waiting after this long (the operation keeps running)');
}

const FIRST_POLL_MS = 100;
const MAX_POLL_MS = 1_000;
const BAR_WIDTH = 30;

/** Follows an operation to its end; a failed one throws its error code (so the exit code says why). */
export async function waitFor(ctx: Ctx, operation: Operation, options: { timeoutSeconds?: number | undefined } = {}): Promise<Operation> {
  const deadline = options.timeoutSeconds === undefined ? Infinity : Date.now() + options.timeoutSeconds * 1000;
  const progress = progressView(operation);
  let current = operation;
  let delay = FIRST_POLL_MS;
  // Ctrl-C stops the waiting, not the operation: say so, and how to pick it up again.
  const onInterrupt = () => {
    progress.end();
    note(`Stopped waiting; operation ${current.id} keeps running on the server. Follow it with: keyward op wait ${current.id}`);
    process.exit(LOCAL_EXIT_CODES.INTERRUPTED);
  };
  process.once('SIGINT', onInterrupt);
  try {
    for (;;) {
      progress.show(current);
      if (current.status !== 'running') break;
      if (Date.now() >= deadline) {
        throw new CliError(
          'WAIT_TIMEOUT',
          `Stopped waiting for operation ${current.id}; it keeps running. Follow it with: keyward op wait ${current.id}`,
        );
      }
      await new Promise((r) => setTimeout(r, Math.min(delay, Math.max(0, deadline - Date.now()))));
      delay = Math.min(delay * 2, MAX_POLL_MS);
      current = await ctx.api.get<Operation>(`/v1/operations/${seg(current.id)}`);
    }
  } finally {
    process.off('SIGINT', onInterrupt);
    progress.end();
  }
  if (current.status === 'failed') {
    throw new CliError(
      current.error?.code ?? 'INTERNAL',
      `Operation ${current.id} (${current.type}) failed: ${current.error?.detail ?? 'no detail given'}`,
    );
  }
  return current;
}

/**
 * The common ending of a command that started an operation: wait (or not), then print the
 * operation (JSON) or one line. `result` lets a command print more than the operation.
 */
export async function finishOperation(
  ctx: Ctx,
  options: WaitOptions,
  operation: Operation,
  result: (op: Operation) => unknown = (op) => ({ operation: op }),
): Promise<void> {
  if (options.wait === false) {
    if (ctx.json) printJson(result(operation));
    else printLine(operation.id);
    return;
  }
  const done = await waitFor(ctx, operation, { timeoutSeconds: parseSeconds(options.timeout) });
  if (ctx.json) printJson(result(done));
  else printLine(`Operation ${done.id} (${done.type}) succeeded: ${done.progress.done}/${done.progress.total}.`);
}

export function printOperation(op: Operation): void {
  printFields([
    ['id', op.id],
    ['type', op.type],
    ['status', op.status],
    ['progress', `${op.progress.done}/${op.progress.total}`],
    ['error', op.error ? `${op.error.code}: ${op.error.detail}` : null],
    ['created', op.createdAt],
    ['finished', op.finishedAt],
  ]);
}

export function parseSeconds(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0) throw new CliError('USAGE', `--timeout takes seconds, not ${JSON.stringify(text)}.`);
  return value;
}

/** The bar on a terminal; on a pipe, one line each time done/total changes. */
function progressView(first: Operation) {
  const tty = stderrIsTerminal();
  let last = '';
  let drawn = false;
  return {
    show(op: Operation) {
      const { done, total } = op.progress;
      const count = `${done}/${total}`;
      if (tty) {
        const filled = total > 0 ? Math.round((done / total) * BAR_WIDTH) : op.status === 'running' ? 0 : BAR_WIDTH;
        process.stderr.write(`\r${first.type} [${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${count} ${op.status}\x1b[K`);
        drawn = true;
      } else if (`${count} ${op.status}` !== last) {
        note(`operation ${op.id} ${op.type}: ${count} ${op.status}`);
      }
      last = `${count} ${op.status}`;
    },
    end() {
      if (drawn) process.stderr.write('\n');
      drawn = false;
    },
  };
}
