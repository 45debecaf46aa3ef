import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { describe, expect, it, vi } from 'vitest';
import { buildProgram, everyCommand, runCli } from '../../src/cli/main.js';
import { LOCAL_EXIT_CODES, SERVER_EXIT_CODES } from '../../src/cli/exit-codes.js';
import { freePort } from '../support/server.js';
import { explain, keyward, ROOT } from './support/cli.js';

/** Help, usage errors and connection errors: none of these needs a server. */
const pathOf = (command: Command): string[] => (command.parent ? [...pathOf(command.parent), command.name()] : []);
const commandPaths: string[][] = [];
everyCommand(buildProgram(), (c) => commandPaths.push(pathOf(c)));

describe('keyward --help', () => {
  it('covers the commands the issue asks for', () => {
    const names = commandPaths.map((p) => p.join(' '));
    for (const wanted of [
      'serve',
      'tenant create',
      'tenant show',
      'tenant enable-cmk',
      'user add',
      'env create',
      'env list',
      'env show',
      'env delete',
      'env apply-tenant-key',
      'env return-to-provider',
      'env unlock',
      'env backup',
      'env backups',
      'env restore',
      'env copy',
      'env reset',
      'key list',
      'key generate',
      'key exchange-key',
      'key upload',
      'key activate',
      'key lock',
      'key unlock',
      'op wait',
      'audit show',
      'audit verify',
      'rows list',
      'rows add',
      'dev clock advance',
    ])
      expect(names).toContain(wanted);
  });

  // Every command in process, through runCli (what bin/keyward.js calls): ~45 child processes
  // would cost ~20 s on two busy cores for no extra coverage. The binary itself is run below.
  it('exits 0 and shows an example for every command', async () => {
    for (const path of commandPaths) {
      const { code, stdout } = await captured(() => runCli([...path, '--help']));
      expect(code, `keyward ${path.join(' ')} --help`).toBe(0);
      expect(stdout, `keyward ${path.join(' ')} --help`).toMatch(/Examples?:\n( {2}\$ .*\n)* {2}\$ (.* )?keyward /);
    }
  });

  it('works the same through the binary', async () => {
    const runs = await Promise.all(
      [[], ['key'], ['key', 'lock'], ['dev', 'clock', 'advance']].map((path) => keyward([...path, '--help'], { env: {} })),
    );
    for (const run of runs) {
      expect(run.code, explain(run)).toBe(0);
      expect(run.stdout).toMatch(/Examples?:\n/);
    }
  });
});

/** Runs `fn` with stdout captured (commander prints help with process.stdout.write). */
async function captured(fn: () => Promise<number>): Promise<{ code: number; stdout: string }> {
  let stdout = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += chunk.toString();
    return true;
  });
  try {
    return { code: await fn(), stdout };
  } finally {
    spy.mockRestore();
  }
}

describe('usage and connection errors', () => {
  it('a bad command line exits 2 (USAGE)', async () => {
    expect((await keyward(['key', 'list', '--bogus'], { env: {} })).code).toBe(2);
    expect((await keyward(['key'], { env: {} })).code).toBe(2);
    const noTenant = await keyward(['key', 'list'], { env: {} });
    expect(noTenant.code, explain(noTenant)).toBe(2);
    expect(noTenant.stderr).toMatch(/--tenant ID or set KEYWARD_TENANT/);
  });

  it('an unreachable server exits 3 (CONNECTION), and a password in the URL is not repeated', async () => {
    const port = await freePort();
    const run = await keyward(['tenant', 'show', 'ten_1', '--json'], {
      env: { KEYWARD_URL: `http://someone:hunter2secret@127.0.0.1:${port}`, KEYWARD_TOKEN: 'tok_not_to_be_printed_123' },
    });
    expect(run.code, explain(run)).toBe(3);
    expect(JSON.parse(run.stderr).error).toMatchObject({ code: 'CONNECTION', exitCode: 3 });
    expect(run.stdout + run.stderr).not.toMatch(/hunter2secret|tok_not_to_be_printed_123/);
  });
});

describe('README.md command line section', () => {
  it('mirrors the exit-code table of src/cli/exit-codes.ts', () => {
    const doc = readFileSync(resolve(ROOT, 'README.md'), 'utf8');
    const rows = new Map([...doc.matchAll(/^\| (\d+) \| `([A-Z_]+)` \|/gm)].map((m) => [m[2]!, Number(m[1])]));
    expect(Object.fromEntries(rows)).toEqual({ ...SERVER_EXIT_CODES, ...LOCAL_EXIT_CODES });
  });
});
