import type { Command } from 'commander';
import { cliFail } from './cli-error.js';
import { DEFAULT_URL, readCliEnv } from './cli-config.js';
import { apiClient, seg, type Api } from './http-client.js';
import { firstLine, readLocal } from './secret-input.js';
import type { Tenant } from './api-types.js';

/** The program-wide options (main.ts declares them; commander accepts them after any command). */
interface GlobalOptions {
  url?: string;
  token?: string;
  tokenFile?: string;
  tenant?: string;
  json?: boolean;
}

/** What every command's action works with: the API, the output mode, the tenant in scope. */
export interface Ctx {
  api: Api;
  json: boolean;
  /** The tenant from --tenant or KEYWARD_TENANT; fails with USAGE when neither is set. */
  tenantId(): string;
  /** Fetches the tenant once per command. */
  tenant(): Promise<Tenant>;
}

export function contextOf(command: Command): Ctx {
  const globals = command.optsWithGlobals<GlobalOptions>();
  const env = readCliEnv();
  const api = apiClient(globals.url ?? env.url ?? DEFAULT_URL, tokenOf(globals, env));
  const tenantId = () => globals.tenant ?? env.tenant ?? cliFail('USAGE', 'Which tenant? Pass --tenant ID or set KEYWARD_TENANT.');
  let tenant: Promise<Tenant> | undefined;
  return {
    api,
    json: globals.json === true,
    tenantId,
    tenant: () => (tenant ??= api.get<Tenant>(`/v1/tenants/${seg(tenantId())}`)),
  };
}

/** Flag beats environment; a token file is read and its first line taken (no trailing newline). */
function tokenOf(globals: GlobalOptions, env: ReturnType<typeof readCliEnv>): string | undefined {
  if (globals.token !== undefined && globals.tokenFile !== undefined) cliFail('USAGE', 'Give either --token or --token-file, not both.');
  if (globals.token !== undefined) return globals.token;
  const file = globals.tokenFile ?? (env.token === undefined ? env.tokenFile : undefined);
  if (file !== undefined) {
    const token = firstLine(readLocal(file)).trim();
    return token === '' ? cliFail('USAGE', `The token file ${file} is empty.`) : token;
  }
  return env.token;
}

/**
 * The region a key command acts in: --region, or the tenant's only region. A tenant with
 * several regions must say which, so a lock never lands on a region nobody named.
 */
export async function regionOf(ctx: Ctx, region: string | undefined): Promise<string> {
  if (region !== undefined) return region;
  const { regions } = await ctx.tenant();
  if (regions.length === 1 && regions[0] !== undefined) return regions[0];
  return cliFail('USAGE', `The tenant has the regions ${regions.join(', ')}; pass --region.`);
}

/** Every command's help ends with an example (commander prints it after the options). */
export function example(command: Command, ...lines: string[]): Command {
  return command.addHelpText('after', `\nExample${lines.length > 1 ? 's' : ''}:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`);
}
