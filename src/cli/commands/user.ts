import { Command } from 'commander';
import { cliFail } from '../cli-error.js';
import { contextOf, example } from '../context.js';
import { seg } from '../http-client.js';
import { note, printFields, printJson, printLine } from '../output.js';
import { writeNewFile } from '../local-files.js';
import { collect } from './tenant.js';

type Role = { role: 'global-admin' | 'service-admin' } | { role: 'env-admin'; environmentId: string };

interface CreatedUser {
  id: string;
  email: string;
  roles: Role[];
  token: string;
}

/**
 * `keyward user add`: a person with roles and their token. The token is the one secret this CLI
 * prints, because handing it out is the command's purpose and the server shows it only once;
 * `--save-token FILE` writes it to a 0600 file instead and keeps it off the screen and logs.
 */
export function userCommand(): Command {
  const user = example(
    new Command('user').description('people of a tenant and their roles'),
    'keyward user add --email bob@contoso.example --role service-admin',
  );
  example(
    user
      .command('add')
      .description('add a person with roles; their token is shown once (operator or global-admin)')
      .requiredOption('--email <email>', 'their e-mail address (key-change notifications go there)')
      .requiredOption('--role <role>', 'global-admin, service-admin or env-admin:ENV_ID (repeat for several)', collect, [])
      .option('--save-token <file>', 'write the new token to this file (mode 0600) instead of printing it')
      .option('--force', 'overwrite the --save-token file if it exists', false)
      .action(async (options: { email: string; role: string[]; saveToken?: string; force: boolean }, command: Command) => {
        const ctx = contextOf(command);
        const roles = options.role.map(parseRole);
        const created = await ctx.api.post<CreatedUser>(`/v1/tenants/${seg(ctx.tenantId())}/users`, { email: options.email, roles });
        const { token, ...person } = created;
        if (options.saveToken !== undefined) {
          writeNewFile(options.saveToken, `${token}\n`, options.force);
          if (ctx.json) return printJson({ ...person, tokenFile: options.saveToken });
          printFields([
            ['id', person.id],
            ['email', person.email],
            ['roles', roles.map(roleText).join(', ')],
            ['token file', options.saveToken],
          ]);
          return;
        }
        if (ctx.json) return printJson(created);
        printFields([
          ['id', person.id],
          ['email', person.email],
          ['roles', roles.map(roleText).join(', ')],
        ]);
        note('Their token follows; it is shown this once (use --save-token FILE to keep it off the screen):');
        printLine(token);
      }),
    'keyward user add --tenant ten_123 --email alice@contoso.example --role global-admin --save-token alice.token',
    'keyward user add --email dba@contoso.example --role env-admin:env_456',
  );
  return user;
}

function parseRole(text: string): Role {
  if (text === 'global-admin' || text === 'service-admin') return { role: text };
  const match = /^env-admin:(.+)$/.exec(text);
  if (match?.[1]) return { role: 'env-admin', environmentId: match[1] };
  return cliFail('USAGE', `Unknown role ${JSON.stringify(text)}: use global-admin, service-admin or env-admin:ENV_ID.`);
}

const roleText = (r: Role): string => (r.role === 'env-admin' ? `env-admin:${r.environmentId}` : r.role);
