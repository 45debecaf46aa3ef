import { spawn } from 'node:child_process';
import { resolve } from 'node:path';

/**
 * Runs the real `keyward` binary (bin/keyward.js, as `npx keyward` does) in a child process:
 * no mocks, the same HTTP the admins' scripts use. Every run's output is kept, so a test can
 * check at the end that no secret was ever printed by any command.
 */
export const ROOT = resolve(import.meta.dirname, '../../..');
export const BIN = resolve(ROOT, 'bin/keyward.js');

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON (throws with the output when it is not). */
  json: () => any;
}

export const transcripts: string[] = [];

/** A clean environment: nothing KEYWARD_* leaks in from the machine running the tests. */
export function cleanEnv(extra: Record<string, string | undefined>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('KEYWARD_') && v !== undefined) env[k] = v;
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) env[k] = v;
  return env;
}

export function keyward(args: string[], options: { env: Record<string, string | undefined>; input?: string | Buffer; cwd?: string }): Promise<Run> {
  return new Promise((ok, fail) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd ?? ROOT,
      env: cleanEnv(options.env),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', fail);
    child.on('close', (code) => {
      transcripts.push(`$ keyward ${args.join(' ')}\n${stdout}${stderr}`);
      ok({
        code,
        stdout,
        stderr,
        json: () => {
          try {
            return JSON.parse(stdout);
          } catch {
            throw new Error(`not JSON (exit ${code}):\n${stdout}\n${stderr}`);
          }
        },
      });
    });
    if (options.input !== undefined) child.stdin.end(options.input);
    else child.stdin.end();
  });
}

/** A failed expectation shows the command's own output, which is what one needs to see. */
export function explain(run: Run): string {
  return `exit ${run.code}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`;
}
