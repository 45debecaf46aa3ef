import { Command } from 'commander';
import type { AuditEntry, Items } from '../api-types.js';
import { CliError } from '../cli-error.js';
import { contextOf, example } from '../context.js';
import { seg } from '../http-client.js';
import { printFields, printJson, printTable } from '../output.js';
import { integer } from './tenant.js';

/** The server's page size limit for the audit log (AuditQuery: 1 to 9999; asked 1000 at a time). */
const PAGE = 1000;

/** `keyward audit …`: the tenant's tamper-evident audit log. */
export function auditCommand(): Command {
  const audit = example(
    new Command('audit').description("the tenant's audit log (every attempt, refused ones too)"),
    'keyward audit verify --tenant ten_123',
  );

  example(
    audit
      .command('show')
      .description('show audit entries in order')
      .option('--after <seq>', 'only entries after this sequence number', integer, 0)
      .option('--limit <count>', 'at most this many entries (default: all)', integer)
      .action(async (options: { after: number; limit?: number }, command: Command) => {
        const ctx = contextOf(command);
        const entries: AuditEntry[] = [];
        let after = options.after;
        // Page until the log (or --limit) is exhausted: an audit read should not silently stop at a page.
        for (;;) {
          const want = Math.min(PAGE, (options.limit ?? Infinity) - entries.length);
          if (want <= 0) break;
          const { items } = await ctx.api.get<Items<AuditEntry>>(`/v1/tenants/${seg(ctx.tenantId())}/audit?afterSeq=${after}&limit=${want}`);
          entries.push(...items);
          const last = items.at(-1);
          if (items.length < want || last === undefined) break;
          after = last.seq;
        }
        if (ctx.json) return printJson({ items: entries });
        printTable(
          ['SEQ', 'AT', 'ACTOR', 'ACTION', 'TARGET', 'OUTCOME'],
          entries.map((e) => [e.seq, e.at, e.actor, e.action, e.target, e.outcome]),
        );
      }),
    'keyward audit show --tenant ten_123 --after 100',
  );

  example(
    audit
      .command('verify')
      .description('check the hash chain of the whole log; exits 8 (AUDIT_BROKEN) if it is broken')
      .action(async (_options: object, command: Command) => {
        const ctx = contextOf(command);
        const verdict = await ctx.api.get<{ ok: boolean; entries: number; brokenAtSeq?: number; reason?: string }>(
          `/v1/tenants/${seg(ctx.tenantId())}/audit/verify`,
        );
        if (ctx.json) printJson(verdict);
        else
          printFields([
            ['chain', verdict.ok ? 'intact' : 'BROKEN'],
            ['entries', verdict.entries],
            ['broken at', verdict.brokenAtSeq],
            ['reason', verdict.reason],
          ]);
        if (!verdict.ok)
          throw new CliError(
            'AUDIT_BROKEN',
            `The audit chain breaks at entry ${verdict.brokenAtSeq ?? '?'}: ${verdict.reason ?? 'no reason given'}.`,
          );
      }),
    'keyward audit verify --tenant ten_123',
  );
  return audit;
}
