import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OpenSslWorkspace, OPENSSL } from '../key-files/openssl-workspace.js';
import { startServer, type TestServer } from '../support/server.js';
import { explain, keyward, type Run } from './support/cli.js';
import { keywardOnTerminal } from './support/pty.js';

/**
 * What a person at a terminal sees, and what a script with a pipe gets: passwords without echo
 * (typed text must not reach the screen), confirmations before destructive actions, and a
 * refusal rather than a hang when there is nobody to ask.
 */
let server: TestServer;
const ws = new OpenSslWorkspace();
let as: Record<string, string>;
let scratch: { id: string };

const expectExit = (run: Run, code: number): Run => {
  expect(run.code, explain(run)).toBe(code);
  return run;
};
const keyCount = async () => expectExit(await keyward(['key', 'list', '--json'], { env: as }), 0).json().items.length;
const opensslOpens = (pfx: string, password: string) => {
  const pw = ws.path(ws.fresh('.pw'));
  writeFileSync(pw, password);
  return spawnSync(OPENSSL, ['pkcs12', '-info', '-noout', '-in', pfx, '-passin', `file:${pw}`]).status === 0;
};

beforeAll(async () => {
  server = await startServer({ KEYWARD_PFX_ITERATIONS: '2000' });
  const op = { KEYWARD_URL: server.url, KEYWARD_TOKEN: server.operatorToken };
  const tenant = expectExit(
    await keyward(['tenant', 'create', '--name', 'Fabrikam', '--seats', '2000', '--region', 'eu', '--opt-in', '--json'], { env: op }),
    0,
  ).json();
  expectExit(await keyward(['tenant', 'enable-cmk', tenant.id], { env: op }), 0);
  const tokenFile = ws.path('admin.token');
  expectExit(
    await keyward(['user', 'add', '--tenant', tenant.id, '--email', 'admin@fabrikam.example', '--role', 'global-admin', '--save-token', tokenFile], {
      env: op,
    }),
    0,
  );
  as = { KEYWARD_URL: server.url, KEYWARD_TOKEN_FILE: tokenFile, KEYWARD_TENANT: tenant.id };
  scratch = expectExit(await keyward(['env', 'create', '--name', 'Scratch', '--region', 'eu', '--type', 'sandbox', '--json'], { env: as }), 0).json();
});

afterAll(async () => {
  await server?.stop();
  ws.dispose();
});

describe('passwords', () => {
  it('are asked twice without echo on a terminal, and asked again when the two differ', async () => {
    const out = ws.path('typed.pfx');
    const run = await keywardOnTerminal(['key', 'generate', '--name', 'Typed', '--out', out], as, [
      { expect: /Continue\? \[y\/N\] $/, type: 'y\r' },
      { expect: /Password for the new \.pfx: $/, type: 'typed-Secret-1\r' },
      { expect: /Type it again: $/, type: 'typed-Secret-2\r' },
      { expect: /differ; again\.\s+Password for the new \.pfx: $/, type: 'typed-Secret-1\r' },
      { expect: /Type it again: $/, type: 'typed-Secret-1\r' },
    ]);
    expect(run.code, run.screen).toBe(0);
    expect(run.screen).not.toContain('typed-Secret');
    // The first key is activated at once: its progress is a bar redrawn on one line.
    expect(run.screen).toMatch(/\ractivate-key \[#+\] (\d+)\/\1 succeeded/);
    expect(opensslOpens(out, 'typed-Secret-1')).toBe(true);
  });

  it('are read from a pipe with --password-stdin, and never waited for when nobody can type', async () => {
    const out = ws.path('piped.pfx');
    const piped = expectExit(
      await keyward(['key', 'generate', '--name', 'Piped', '--out', out, '--password-stdin', '--acknowledge-risk', '--json'], {
        env: as,
        input: 'piped-Secret-1\n',
      }),
      0,
    );
    expect(piped.json().key).toMatchObject({ name: 'Piped', state: 'Available' });
    expect(opensslOpens(out, 'piped-Secret-1')).toBe(true);

    const before = await keyCount();
    const nobody = expectExit(
      await keyward(['key', 'generate', '--name', 'Nobody', '--out', ws.path('nobody.pfx'), '--acknowledge-risk'], { env: as }),
      2,
    );
    expect(nobody.stderr).toMatch(/--password-file/);
    expect(await keyCount()).toBe(before);
  });

  it('stop everything at Ctrl-C: nothing is sent', async () => {
    const key = ws.rsaKey(2048);
    const pfx = ws.path('ctrl-c.pfx');
    writeFileSync(pfx, ws.exportPfx({ key, cert: ws.selfSignedCert(key), password: 'whatever-pw' }));
    const before = await keyCount();
    const run = await keywardOnTerminal(['key', 'upload', pfx, '--name', 'Interrupted', '--acknowledge-risk'], as, [
      { expect: /Password of .*: $/, type: 'whatev\u0003' },
    ]);
    expect(run.code, run.screen).toBe(130);
    expect(run.screen).not.toContain('whatev');
    expect(await keyCount()).toBe(before);
  });
});

describe('destructive commands', () => {
  it('ask first on a terminal, and refuse without --yes when there is no terminal', async () => {
    const doomed = expectExit(
      await keyward(['env', 'create', '--name', 'Doomed', '--region', 'eu', '--type', 'sandbox', '--json'], { env: as }),
      0,
    ).json();
    expect(expectExit(await keyward(['env', 'delete', doomed.id], { env: as }), 6).stderr).toMatch(/--yes/);
    const no = await keywardOnTerminal(['env', 'delete', doomed.id], as, [{ expect: /\[y\/N\] $/, type: 'n\r' }]);
    expect(no.code, no.screen).toBe(6);
    expect(no.screen).toContain(`Doomed (${doomed.id}, sandbox, eu)`);
    expectExit(await keyward(['env', 'show', doomed.id], { env: as }), 0);
    const reset = await keywardOnTerminal(['env', 'reset', doomed.id], as, [{ expect: /\[y\/N\] $/, type: '\r' }]);
    expect(reset.code, reset.screen).toBe(6);
    const yes = await keywardOnTerminal(['env', 'delete', doomed.id], as, [{ expect: /\[y\/N\] $/, type: 'y\r' }]);
    expect(yes.code, yes.screen).toBe(0);
    expectExit(await keyward(['env', 'show', doomed.id], { env: as }), 22);
  });

  it('apply-tenant-key asks to acknowledge the downtime on a terminal', async () => {
    const run = await keywardOnTerminal(['env', 'apply-tenant-key', scratch.id], as, [{ expect: /Continue\? \[y\/N\] $/, type: 'y\r' }]);
    expect(run.code, run.screen).toBe(0);
    expect(run.screen).toMatch(/apply-tenant-key \[#+\] 1\/1 succeeded/);
  });
});

describe('tokens', () => {
  it('a new person’s token goes to stdout once, and works', async () => {
    const added = expectExit(await keyward(['user', 'add', '--email', 'bob@fabrikam.example', '--role', 'service-admin'], { env: as }), 0);
    expect(added.stderr).toMatch(/shown this once/);
    const token = added.stdout.trim().split('\n').at(-1)!;
    expect(token).toMatch(/^[A-Za-z0-9_.~+/=-]{16,}$/);
    expectExit(await keyward(['key', 'list'], { env: { ...as, KEYWARD_TOKEN_FILE: undefined, KEYWARD_TOKEN: token } }), 0);
  });

  it('a wrong token is UNAUTHENTICATED (exit 20) and is not repeated back', async () => {
    const run = expectExit(
      await keyward(['key', 'list'], {
        env: { KEYWARD_URL: server.url, KEYWARD_TENANT: as.KEYWARD_TENANT!, KEYWARD_TOKEN: 'bogus_token_value_123456' },
      }),
      20,
    );
    expect(run.stderr).toContain('UNAUTHENTICATED');
    expect(run.stdout + run.stderr).not.toContain('bogus_token_value_123456');
  });
});
