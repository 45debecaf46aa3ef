import { createInterface } from 'node:readline';
import { CliError, cliFail } from './cli-error.js';

/**
 * Questions asked of a person at a terminal. Prompts go to stderr (stdout may be piped to a
 * script). When stdin is not a terminal nobody can answer, so callers must offer a flag instead
 * and these functions refuse rather than hang waiting on a pipe.
 */
export const stdinIsTerminal = (): boolean => process.stdin.isTTY === true;
export const stderrIsTerminal = (): boolean => process.stderr.isTTY === true;

const CTRL_C = '\u0003';
const CTRL_D = '\u0004';
const BACKSPACES = new Set(['\u007f', '\b']);

/**
 * Reads a line without echo. Raw mode is switched on *before* the prompt is written: anything
 * typed after the prompt appears is never echoed by the terminal, not even for a moment.
 */
export async function askHidden(prompt: string): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) return cliFail('USAGE', 'No terminal to ask for a secret on.');
  stdin.setRawMode(true);
  stdin.setEncoding('utf8');
  process.stderr.write(prompt);
  try {
    return await new Promise<string>((resolve, reject) => {
      let typed = '';
      const onData = (chunk: string) => {
        for (const ch of chunk) {
          if (ch === '\r' || ch === '\n') return finish(() => resolve(typed));
          if (ch === CTRL_C) return finish(() => reject(new CliError('INTERRUPTED', 'Interrupted; nothing was sent.')));
          if (ch === CTRL_D && typed === '') return finish(() => reject(new CliError('ABORTED', 'No input; nothing was sent.')));
          if (BACKSPACES.has(ch)) typed = [...typed].slice(0, -1).join('');
          else if (ch >= ' ') typed += ch;
        }
      };
      const finish = (settle: () => void) => {
        stdin.off('data', onData);
        settle();
      };
      stdin.on('data', onData);
      stdin.resume();
    });
  } finally {
    stdin.setRawMode(false);
    stdin.pause();
    process.stderr.write('\n');
  }
}

/** Reads a line with echo (for text that is not secret: a confirmation, a name). */
export async function askLine(prompt: string): Promise<string> {
  if (!stdinIsTerminal()) return cliFail('USAGE', 'No terminal to ask on.');
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  try {
    // A promise settles once: the 'close' that follows an answer is ignored. (Removing readline's
    // own 'close' listeners instead would leave it attached to stdin, echoing the next secret.)
    return await new Promise<string>((resolve, reject) => {
      rl.once('SIGINT', () => reject(new CliError('INTERRUPTED', 'Interrupted; nothing was sent.')));
      rl.once('close', () => reject(new CliError('ABORTED', 'No input; nothing was sent.')));
      rl.question(prompt, resolve);
    });
  } finally {
    rl.close();
  }
}

/**
 * A yes/no question before something destructive. `--yes` answers it for scripts; without a
 * terminal and without `--yes` the command stops before sending anything.
 */
export async function confirm(question: string, yes: boolean | undefined): Promise<void> {
  if (yes) return;
  if (!stdinIsTerminal()) cliFail('ABORTED', 'This needs confirmation and there is no terminal to ask on; pass --yes to confirm.');
  const answer = (await askLine(`${question} [y/N] `)).trim().toLowerCase();
  if (answer !== 'y' && answer !== 'yes') cliFail('ABORTED', 'Not confirmed; nothing was changed.');
}
