import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { CliError } from './cli-error.js';
import { exitCodeOf, LOCAL_EXIT_CODES } from './exit-codes.js';
import { auditCommand } from './commands/audit.js';
import { devCommand } from './commands/dev.js';
import { envCommand } from './commands/env.js';
import { keyCommand } from './commands/key.js';
import { opCommand } from './commands/op.js';
import { rowsCommand } from './commands/rows.js';
import { serveCommand } from './commands/serve.js';
import { tableCommand } from './commands/table.js';
import { tenantCommand } from './commands/tenant.js';
import { userCommand } from './commands/user.js';

/**
 * `keyward`: the command line over the HTTP API (API.md), for admins who scripted the seed's
 * PowerShell cmdlets and for the operator. bin/keyward.js runs `runCli` through tsx.
 */
export function buildProgram(): Command {
  const program = new Command('keyward')
    .description('Customer-managed encryption keys for multi-tenant databases: the command line over the Keyward HTTP API.')
    .version(packageVersion())
    .option('--url <url>', 'the Keyward server (env KEYWARD_URL; default http://127.0.0.1:8080)')
    .option('--token <token>', 'your bearer token (prefer KEYWARD_TOKEN or --token-file: flags show in `ps`)')
    .option('--token-file <file>', 'read the token from this file (env KEYWARD_TOKEN_FILE)')
    .option('--tenant <tenantId>', 'the tenant to work in (env KEYWARD_TENANT)')
    .option('--json', 'machine-readable output on stdout (errors as JSON on stderr)')
    .addHelpText(
      'after',
      '\nExamples:\n  $ export KEYWARD_URL=http://127.0.0.1:8080 KEYWARD_TOKEN_FILE=~/.keyward-token KEYWARD_TENANT=ten_123\n  $ keyward key list\n  $ keyward key generate --name "Contoso 2025" --out contoso-2025.pfx\n\nExit codes: the README, "Exit codes" (one per error code).\n',
    );

  for (const group of [
    tenantCommand(),
    userCommand(),
    envCommand(),
    tableCommand(),
    rowsCommand(),
    keyCommand(),
    opCommand(),
    auditCommand(),
    serveCommand(),
  ]) {
    program.addCommand(group);
  }
  program.addCommand(devCommand(), { hidden: true });

  // addCommand does not pass settings down (only .command() does), so apply them to every level.
  everyCommand(program, (command) => {
    command.exitOverride().showHelpAfterError('(add --help for usage)').configureHelp({ showGlobalOptions: true, sortSubcommands: false });
  });
  return program;
}

export function everyCommand(command: Command, visit: (command: Command) => void): void {
  visit(command);
  for (const sub of command.commands) everyCommand(sub, visit);
}

/** Parses and runs one command line; answers the exit code (never throws, never exits itself). */
export async function runCli(argv: string[]): Promise<number> {
  const json = argv.includes('--json');
  try {
    await buildProgram().parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    return report(error, json);
  }
}

function report(error: unknown, json: boolean): number {
  if (error instanceof CommanderError) {
    // Commander has printed its message (or the help) already.
    const shown = error.code === 'commander.helpDisplayed' || error.code === 'commander.version';
    return shown ? 0 : LOCAL_EXIT_CODES.USAGE;
  }
  const failure = error instanceof CliError ? error : new CliError('UNEXPECTED', error instanceof Error ? error.message : String(error));
  const exitCode = exitCodeOf(failure.code);
  if (json) {
    const body = { code: failure.code, detail: failure.detail, ...(failure.retryAfter ? { retryAfter: failure.retryAfter } : {}), exitCode };
    process.stderr.write(`${JSON.stringify({ error: body })}\n`);
  } else {
    process.stderr.write(`error ${failure.code}: ${failure.detail}\n`);
    if (failure.retryAfter) process.stderr.write(`possible from ${failure.retryAfter}\n`);
    const hint = HINTS[failure.code];
    if (hint) process.stderr.write(`hint: ${hint}\n`);
  }
  return exitCode;
}

/** The server's details speak API (field names); these say what to do on the command line. */
const HINTS: Partial<Record<string, string>> = {
  ACKNOWLEDGEMENT_REQUIRED: 'run it on a terminal to be asked, or pass --acknowledge-risk (key actions) / --acknowledge-downtime (apply-tenant-key).',
  UNAUTHENTICATED: 'set KEYWARD_TOKEN or KEYWARD_TOKEN_FILE, or pass --token-file.',
  ENVIRONMENT_LOCKED: 'unlock the tenant key (keyward key unlock), then the environment (keyward env unlock).',
  CONNECTION: 'start one with `keyward serve` or `npm start`.',
};

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
  return pkg.version ?? '0.0.0';
}
