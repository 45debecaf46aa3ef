import { Command } from 'commander';
import { cliFail } from '../cli-error.js';
import { contextOf, example } from '../context.js';
import { seg } from '../http-client.js';
import { printFields, printJson, printTable, type Cell } from '../output.js';
import { integer } from './tenant.js';

type Row = { id: string } & Record<string, Cell>;

/**
 * `keyward rows …`: a quick look at an environment's data, enough to see that a key change left
 * it readable (or that a lock made it unreadable). Not a data tool: no updates, no queries.
 */
export function rowsCommand(): Command {
  const rows = example(new Command('rows').description("a quick look at an environment's data"), 'keyward rows list env_456 orders');

  example(
    rows
      .command('list')
      .description('list rows of a table in id order')
      .argument('<envId>', 'the environment')
      .argument('<table>', 'the table')
      .option('--limit <count>', 'rows per page, 1 to 1000', integer, 100)
      .option('--after <cursor>', 'start after this cursor (the nextCursor of the previous page)')
      .option('--all', 'follow nextCursor to the end', false)
      .action(async (envId: string, table: string, options: { limit: number; after?: string; all: boolean }, command: Command) => {
        const ctx = contextOf(command);
        const items: Row[] = [];
        let after = options.after;
        let nextCursor: string | null = null;
        do {
          const query = `limit=${options.limit}${after === undefined ? '' : `&after=${encodeURIComponent(after)}`}`;
          const page = await ctx.api.get<{ items: Row[]; nextCursor: string | null }>(
            `/v1/environments/${seg(envId)}/tables/${seg(table)}/rows?${query}`,
          );
          items.push(...page.items);
          nextCursor = page.nextCursor;
          after = nextCursor ?? undefined;
        } while (options.all && nextCursor !== null);
        if (ctx.json) return printJson({ items, nextCursor });
        const columns = [...new Set(items.flatMap((r) => Object.keys(r)))];
        printTable(
          columns.map((c) => c.toUpperCase()),
          items.map((r) => columns.map((c) => r[c])),
        );
        if (nextCursor !== null) process.stderr.write(`More rows: --after ${nextCursor} (or --all)\n`);
      }),
    'keyward rows list env_456 orders --limit 20',
  );

  example(
    rows
      .command('add')
      .description('insert a row: column=text, or column:=JSON for numbers, booleans and null')
      .argument('<envId>', 'the environment')
      .argument('<table>', 'the table')
      .argument('<cells...>', 'column=value or column:=json')
      .action(async (envId: string, table: string, cells: string[], _options: object, command: Command) => {
        const ctx = contextOf(command);
        const row = await ctx.api.post<Row>(`/v1/environments/${seg(envId)}/tables/${seg(table)}/rows`, Object.fromEntries(cells.map(cell)));
        if (ctx.json) return printJson(row);
        printFields(Object.entries(row));
      }),
    'keyward rows add env_456 orders item=widget qty:=3 paid:=true',
  );
  return rows;
}

/** `name=text` keeps the text as is (even "42"); `name:=json` parses it, like HTTPie. */
function cell(text: string): [string, unknown] {
  const json = /^([A-Za-z_][A-Za-z0-9_]*):=(.*)$/s.exec(text);
  if (json?.[1] !== undefined && json[2] !== undefined) {
    try {
      return [json[1], JSON.parse(json[2]) as unknown];
    } catch {
      return cliFail('USAGE', `${json[1]}:= takes JSON (a number, true, false, null or a "string"), not ${json[2]}.`);
    }
  }
  const plain = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(text);
  if (plain?.[1] !== undefined && plain[2] !== undefined) return [plain[1], plain[2]];
  return cliFail('USAGE', `Write cells as column=text or column:=json, not ${JSON.stringify(text)}.`);
}
