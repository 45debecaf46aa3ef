import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../support/server.js';

/**
 * The README's curl walk-through, run as written against a server started the way a newcomer
 * starts it (no operator token given: the server makes one and saves it under data/).
 * Only the address is changed, since the test server listens on a free port.
 */
const README = readFileSync(resolve(import.meta.dirname, '../../README.md'), 'utf8');
const block = /<!-- walkthrough:start -->\s*```sh\n([\s\S]*?)```\s*<!-- walkthrough:end -->/.exec(README)?.[1];

let server: TestServer;
let workdir: string;

beforeAll(async () => {
  workdir = mkdtempSync(join(tmpdir(), 'keyward-readme-'));
  server = await startServer({ KEYWARD_DATA_DIR: join(workdir, 'data'), KEYWARD_OPERATOR_TOKEN: '' });
});
afterAll(async () => {
  await server?.stop();
});

describe('README walk-through', () => {
  it('runs as written and ends with the row read back and not found on disk', () => {
    expect(block, 'README lost its walk-through markers').toBeTruthy();
    expect(server.output()).toContain('Operator token (shown once');
    expect(statSync(join(workdir, 'data', 'operator-token')).mode & 0o777).toBe(0o600);
    const script = `set -euo pipefail\n${block!.replaceAll('http://127.0.0.1:8080', server.url)}`;
    const out = execFileSync('bash', ['-c', script], { cwd: workdir, encoding: 'utf8', timeout: 60_000 });
    expect(out).toContain('"cmkEnabled": true');
    expect(out).toMatch(/\{"id":"row_[0-9a-f]+","name":"Fourth Coffee","revenue":125000\}/);
    expect(out.trim().endsWith('not found in data/')).toBe(true);
  });
});
