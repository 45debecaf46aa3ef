import { Command } from 'commander';
import { cliFail } from '../cli-error.js';
import { contextOf, example } from '../context.js';
import { seg } from '../http-client.js';
import { printJson, printLine } from '../output.js';

/** `keyward table create`: a table to put rows in (a `file` or `image` column makes the environment ineligible for CMK, R2). */
export function tableCommand(): Command {
  const table = example(
    new Command('table').description("tables of an environment's database"),
    'keyward table create env_456 orders item:text qty:number',
  );
  example(
    table
      .command('create')
      .description('create a table; columns as name:type (text, number, boolean, datetime, file, image)')
      .argument('<envId>', 'the environment')
      .argument('<name>', 'the table name')
      .argument('<columns...>', 'name:type')
      .action(async (envId: string, name: string, columns: string[], _options: object, command: Command) => {
        const ctx = contextOf(command);
        const body = { name, columns: columns.map(column) };
        const created = await ctx.api.post<unknown>(`/v1/environments/${seg(envId)}/tables`, body);
        if (ctx.json) return printJson(created);
        printLine(`Created table ${name} (${body.columns.map((c) => `${c.name} ${c.type}`).join(', ')}).`);
      }),
    'keyward table create env_456 orders item:text qty:number',
  );
  return table;
}

function column(text: string): { name: string; type: string } {
  const [name, type, ...rest] = text.split(':');
  if (!name || !type || rest.length > 0) return cliFail('USAGE', `Write columns as name:type, not ${JSON.stringify(text)}.`);
  return { name, type };
}
