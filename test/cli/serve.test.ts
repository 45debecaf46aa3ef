import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort } from '../support/server.js';
import { BIN, cleanEnv, keyward, ROOT } from './support/cli.js';

/** `keyward serve` is `npm start`: it serves, answers the CLI, and stops cleanly on SIGTERM. */
describe('keyward serve', () => {
  it('serves the API until SIGTERM, then exits 0', async () => {
    const port = await freePort();
    const token = 'op_serve_test_token_0123456789';
    const env = cleanEnv({
      KEYWARD_DATA_DIR: mkdtempSync(join(tmpdir(), 'keyward-serve-')),
      KEYWARD_PORT: String(port),
      KEYWARD_OPERATOR_TOKEN: token,
      KEYWARD_LOG_LEVEL: 'warn',
    });
    const child = spawn(process.execPath, [BIN, 'serve'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((ok) => child.on('exit', ok));
    try {
      const url = `http://127.0.0.1:${port}`;
      const deadline = Date.now() + 30_000;
      while (
        !(await fetch(`${url}/healthz`).then(
          (r) => r.ok,
          () => false,
        ))
      ) {
        expect(child.exitCode, output).toBeNull();
        expect(Date.now(), `not serving within 30 s:\n${output}`).toBeLessThan(deadline);
        await new Promise((r) => setTimeout(r, 100));
      }
      const created = await keyward(['tenant', 'create', '--name', 'Served', '--seats', '1', '--region', 'eu', '--json'], {
        env: { KEYWARD_URL: url, KEYWARD_TOKEN: token },
      });
      expect(created.code, created.stderr).toBe(0);
      expect(created.json().name).toBe('Served');
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited, output).toBe(0);
  });
});
