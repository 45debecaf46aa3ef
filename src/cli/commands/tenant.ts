import { Command, InvalidArgumentError } from 'commander';
import type { Tenant } from '../api-types.js';
import { contextOf, example } from '../context.js';
import { seg } from '../http-client.js';
import { printFields, printJson } from '../output.js';

/** `keyward tenant …`: the operator's side (create, turn CMK on) and anyone's read of a tenant. */
export function tenantCommand(): Command {
  const tenant = example(
    new Command('tenant').description('create and read tenants; turn customer-managed keys on (operator)'),
    'keyward tenant show --tenant ten_123',
  );

  example(
    tenant
      .command('create')
      .description('create a tenant (operator)')
      .requiredOption('--name <name>', "the customer's name")
      .requiredOption('--seats <count>', 'licensed seats (more than 1000 to be eligible for CMK)', integer)
      .requiredOption('--region <region>', 'a region the tenant has (repeat for several)', collect, [])
      .option('--opt-in', 'the tenant has opted in to customer-managed keys', false)
      .action(async (options: { name: string; seats: number; region: string[]; optIn: boolean }, command: Command) => {
        const ctx = contextOf(command);
        const body = { name: options.name, licensedSeats: options.seats, regions: options.region, cmkOptIn: options.optIn };
        show(ctx.json, await ctx.api.post<Tenant>('/v1/tenants', body));
      }),
    'keyward tenant create --name Contoso --seats 5000 --region eu --opt-in',
  );

  example(
    tenant
      .command('show')
      .description('show a tenant (default: --tenant / KEYWARD_TENANT)')
      .argument('[tenantId]', 'the tenant')
      .action(async (tenantId: string | undefined, _options: object, command: Command) => {
        const ctx = contextOf(command);
        show(ctx.json, await ctx.api.get<Tenant>(`/v1/tenants/${seg(tenantId ?? ctx.tenantId())}`));
      }),
    'keyward tenant show ten_123',
  );

  example(
    tenant
      .command('enable-cmk')
      .description('turn customer-managed keys on for an eligible tenant (operator; cannot be turned off)')
      .argument('[tenantId]', 'the tenant (default: --tenant / KEYWARD_TENANT)')
      .action(async (tenantId: string | undefined, _options: object, command: Command) => {
        const ctx = contextOf(command);
        show(ctx.json, await ctx.api.post<Tenant>(`/v1/tenants/${seg(tenantId ?? ctx.tenantId())}/cmk`, { enabled: true }));
      }),
    'keyward tenant enable-cmk ten_123',
  );

  return tenant;
}

function show(json: boolean, t: Tenant): void {
  if (json) return printJson(t);
  printFields([
    ['id', t.id],
    ['name', t.name],
    ['licensed seats', t.licensedSeats],
    ['regions', t.regions.join(', ')],
    ['CMK opt-in', t.cmkOptIn ? 'yes' : 'no'],
    ['CMK enabled', t.cmkEnabled ? `yes, since ${t.cmkEnabledAt ?? '?'}` : 'no'],
  ]);
}

export function integer(text: string): number {
  if (!/^\d+$/.test(text)) throw new InvalidArgumentError('Not a whole number.');
  return Number(text);
}

export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
