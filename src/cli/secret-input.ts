import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { CliError, cliFail } from './cli-error.js';
import { askHidden, stdinIsTerminal } from './terminal.js';

/**
 * Where passwords come from: a terminal prompt without echo, a file, or stdin. Never a flag's
 * value: flags end up in shell history and in `ps` output for every user of the machine.
 */
export interface PasswordOptions {
  passwordFile?: string;
  passwordStdin?: boolean;
}

/** The flags every password-taking command adds (one wording everywhere). */
export function passwordFlags(command: Command, what: string): Command {
  return command
    .option('--password-file <file>', `read ${what} from this file (its first line)`)
    .option('--password-stdin', `read ${what} from stdin (its first line)`)
    .addHelpText('after', '\nThe password is asked without echo on a terminal; it is never taken from a flag.');
}

/** How many times a mistyped pair of new passwords is asked again. */
const NEW_PASSWORD_TRIES = 3;

/**
 * The .pfx password. `twice` is for a new password (generate): asked again and compared on a
 * terminal, as the admin center does; a file or stdin is taken as is.
 */
export async function readPassword(options: PasswordOptions, prompt: string, twice = false): Promise<string> {
  if (options.passwordFile !== undefined && options.passwordStdin) cliFail('USAGE', 'Give either --password-file or --password-stdin, not both.');
  if (options.passwordFile !== undefined) return nonEmpty(firstLine(readLocal(options.passwordFile)), `The password file ${options.passwordFile}`);
  if (options.passwordStdin) return nonEmpty(firstLine(await readStdin()), 'The password on stdin');
  if (!stdinIsTerminal()) {
    return cliFail('USAGE', 'No terminal to ask for the password on: pass --password-file FILE or --password-stdin.');
  }
  for (let attempt = 1; ; attempt++) {
    const password = nonEmpty(await askHidden(prompt), 'The password');
    if (!twice) return password;
    if ((await askHidden('Type it again: ')) === password) return password;
    if (attempt === NEW_PASSWORD_TRIES) cliFail('ABORTED', 'The two passwords differed; nothing was sent.');
    process.stderr.write('The two passwords differ; again.\n');
  }
}

/** A local file's bytes; a missing or unreadable file is LOCAL_FILE, with the OS's reason. */
export function readLocal(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new CliError('LOCAL_FILE', `Cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? 'unreadable'}.`);
  }
}

let stdinTaken = false;

/** All of stdin. Only one input may come from stdin per command, or one would get the other's text. */
export async function readStdin(): Promise<Buffer> {
  if (stdinTaken) cliFail('USAGE', 'Only one of the inputs can come from stdin.');
  stdinTaken = true;
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks);
}

/** The first line, without its line ending: `echo secret > file` must give `secret`. */
export function firstLine(bytes: Buffer): string {
  const text = bytes.toString('utf8');
  const end = text.search(/\r?\n/);
  return end === -1 ? text : text.slice(0, end);
}

function nonEmpty(value: string, what: string): string {
  return value === '' ? cliFail('USAGE', `${what} is empty.`) : value;
}
