import { Command } from 'commander';
import { cliFail } from '../cli-error.js';
import { contextOf, example } from '../context.js';
import { printJson, printLine } from '../output.js';

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/**
 * `keyward dev clock …` (hidden from the top-level help): the settable clock of a server started
 * with KEYWARD_DEV_CLOCK=1, to try out the 1 h / 24 h / 72 h / 28 day rules. Operator token
 * only; against any other server the routes do not exist and the answer is NOT_FOUND.
 */
export function devCommand(): Command {
  const dev = example(
    new Command('dev').description('development aids; only on a server started with KEYWARD_DEV_CLOCK=1'),
    'keyward dev clock advance 25h',
  );
  const clock = example(dev.command('clock').description("the server's settable clock (operator)"), 'keyward dev clock show');

  example(
    clock
      .command('show')
      .description("print the server's current time")
      .action(async (_options: object, command: Command) => {
        const ctx = contextOf(command);
        const answer = await ctx.api.get<{ now: string }>('/v1/dev/clock');
        if (ctx.json) return printJson(answer);
        printLine(answer.now);
      }),
    'KEYWARD_TOKEN=$(cat data/operator-token) keyward dev clock show',
  );

  example(
    clock
      .command('advance')
      .description('move the clock forward: seconds, or a number with s, m, h or d')
      .argument('<duration>', 'e.g. 90, 25h, 3d')
      .action(async (duration: string, _options: object, command: Command) => {
        const ctx = contextOf(command);
        const answer = await ctx.api.post<{ now: string }>('/v1/dev/clock', { advanceSeconds: seconds(duration) });
        if (ctx.json) return printJson(answer);
        printLine(answer.now);
      }),
    'keyward dev clock advance 25h',
  );
  return dev;
}

function seconds(text: string): number {
  const match = /^(\d+)([smhd]?)$/.exec(text.trim());
  if (!match?.[1]) return cliFail('USAGE', `Give a duration like 90, 15m, 25h or 3d, not ${JSON.stringify(text)}.`);
  return Number(match[1]) * (UNITS[match[2] || 's'] ?? 1);
}
