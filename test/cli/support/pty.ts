import { spawn } from 'node:child_process';
import { BIN, cleanEnv, ROOT, transcripts } from './cli.js';

/**
 * Runs `keyward` on a pseudo-terminal (util-linux `script`), answering prompts as a person
 * would: each step waits for its prompt to appear, then types. Typing only after the prompt
 * matters: that is when the CLI has switched echo off, which is what the tests check.
 */
export interface Step {
  expect: RegExp;
  /** What to type; a function gets the terminal output so far (e.g. to read a challenge). */
  type: string | ((screen: string) => string);
}

export interface PtyRun {
  code: number | null;
  /** Everything the terminal showed, byte for byte: prompts, echo (if any), progress, results. */
  screen: string;
}

const quote = (arg: string) => `'${arg.replaceAll("'", `'\\''`)}'`;

/** Cursor moves and line clears (readline, the progress bar) taken out, to match prompts as seen. */
// eslint-disable-next-line no-control-regex -- ESC is exactly what is being removed
export const plain = (screen: string) => screen.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');

export function keywardOnTerminal(args: string[], env: Record<string, string | undefined>, steps: Step[], timeoutMs = 20_000): Promise<PtyRun> {
  const command = [process.execPath, BIN, ...args].map(quote).join(' ');
  return new Promise((ok, fail) => {
    const child = spawn('script', ['-qfec', command, '/dev/null'], {
      cwd: ROOT,
      env: cleanEnv({ ...env, SHELL: '/bin/sh' }),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let screen = '';
    let from = 0;
    let next = 0;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`timed out at step ${next} (${steps[next]?.expect ?? 'exit'}); the terminal showed:\n${plain(screen)}`));
    }, timeoutMs);
    const advance = () => {
      while (next < steps.length) {
        const step = steps[next]!;
        const match = step.expect.exec(plain(screen).slice(from));
        if (!match) return;
        from += match.index + match[0].length;
        next += 1;
        child.stdin.write(typeof step.type === 'string' ? step.type : step.type(plain(screen)));
      }
    };
    child.stdout.on('data', (d: Buffer) => {
      screen += d.toString();
      advance();
    });
    child.stderr.on('data', (d: Buffer) => (screen += d.toString()));
    child.on('error', fail);
    child.on('close', (code) => {
      clearTimeout(timer);
      transcripts.push(`$ keyward ${args.join(' ')} (terminal)\n${screen}`);
      if (next < steps.length) fail(new Error(`exited ${code} before step ${next} (${steps[next]!.expect}); the terminal showed:\n${screen}`));
      else ok({ code, screen });
    });
  });
}
