import { readFileSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OpenSslWorkspace, OPENSSL } from '../key-files/openssl-workspace.js';
import { startServer, type TestServer } from '../support/server.js';
import { explain, keyward, transcripts, type Run } from './support/cli.js';
import { keywardOnTerminal } from './support/pty.js';

/**
 * The seed story (test/e2e/seed-story.ts) played with the `keyward` command alone, as an admin
 * who scripted the PowerShell cmdlets would: every step checks the exit code and, where a
 * script would parse it, the --json output. The server is real and started like `npm start`.
 */
let server: TestServer;
const ws = new OpenSslWorkspace();
const file = (name: string) => ws.path(name);

beforeAll(async () => {
  // Fewer PBKDF2 rounds for generated .pfx files: the story is about the CLI, not KDF cost.
  server = await startServer({ KEYWARD_PFX_ITERATIONS: '2000' });
});

afterAll(async () => {
  await server?.stop();
  ws.dispose();
});

const expectExit = (run: Run, code: number): Run => {
  expect(run.code, explain(run)).toBe(code);
  return run;
};

/** The problem a failed --json command reports on stderr. */
const problem = (run: Run) => JSON.parse(run.stderr.trim().split('\n').at(-1)!).error;

describe('the seed story with the keyward CLI alone', () => {
  it('plays tenant → keys → lock → unlock with the right exit codes throughout', async () => {
    const op = { KEYWARD_URL: server.url, KEYWARD_TOKEN: server.operatorToken };
    const run = (args: string[], env: Record<string, string>, input?: string) => keyward(args, { env, ...(input === undefined ? {} : { input }) });

    // --- Operator: tenant, CMK, the first admin ---
    const tenant = expectExit(
      await run(['tenant', 'create', '--name', 'Contoso', '--seats', '5000', '--region', 'eu', '--opt-in', '--json'], op),
      0,
    ).json();
    expect(tenant).toMatchObject({ name: 'Contoso', regions: ['eu'], cmkOptIn: true, cmkEnabled: false });
    expect(expectExit(await run(['tenant', 'enable-cmk', tenant.id, '--json'], op), 0).json().cmkEnabled).toBe(true);
    const tokenFile = file('alice.token');
    const alice = expectExit(
      await run(
        ['user', 'add', '--tenant', tenant.id, '--email', 'alice@contoso.example', '--role', 'global-admin', '--save-token', tokenFile, '--json'],
        op,
      ),
      0,
    ).json();
    expect(alice).toMatchObject({ email: 'alice@contoso.example', tokenFile });
    expect(alice.token).toBeUndefined();
    expect(statSync(tokenFile).mode & 0o777).toBe(0o600);
    const aliceToken = readFileSync(tokenFile, 'utf8').trim();
    const as = { KEYWARD_URL: server.url, KEYWARD_TOKEN_FILE: tokenFile, KEYWARD_TENANT: tenant.id };

    // --- An environment with data ---
    const env = expectExit(await run(['env', 'create', '--name', 'Sales', '--region', 'eu', '--type', 'production', '--json'], as), 0).json();
    expect(env).toMatchObject({ cmkEligible: true, encryption: { mode: 'provider', status: 'ready' } });
    expectExit(await run(['table', 'create', env.id, 'orders', 'item:text', 'qty:number'], as), 0);
    const rows = [];
    for (const [item, qty] of [
      ['apple', 3],
      ['pear', 4],
    ] as const) {
      rows.push(expectExit(await run(['rows', 'add', env.id, 'orders', `item=${item}`, `qty:=${qty}`, '--json'], as), 0).json());
    }

    // --- Get-CrmGenerateProtectionKey: the first key, activated at once (R6); OpenSSL opens the .pfx ---
    const firstPassword = 'correct horse 1';
    const pw = file('first.pw');
    writeFileSync(pw, `${firstPassword}\n`);
    const firstPfx = file('first.pfx');
    const generated = expectExit(
      await run(['key', 'generate', '--name', 'First', '--out', firstPfx, '--password-file', pw, '--acknowledge-risk', '--json'], as),
      0,
    );
    const first = generated.json();
    expect(first).toMatchObject({
      key: { name: 'First', source: 'generated', keySize: 2048 },
      operation: { status: 'succeeded' },
      pfxFile: firstPfx,
    });
    expect(first.pfx).toBeUndefined();
    expect(generated.stderr).toMatch(/activate-key: (\d+)\/\1 succeeded/);
    expect(statSync(firstPfx).mode & 0o777).toBe(0o600);
    const info = spawnSync(OPENSSL, ['pkcs12', '-info', '-noout', '-in', firstPfx, '-passin', `file:${pw}`], { encoding: 'utf8' });
    expect(info.status, info.stderr).toBe(0);
    // The file is handed out once: an existing --out is refused before the server makes a key.
    expectExit(await run(['key', 'generate', '--name', 'Again', '--out', firstPfx, '--password-file', pw, '--acknowledge-risk'], as), 5);
    expect(expectExit(await run(['key', 'list', '--json'], as), 0).json().items).toHaveLength(1);

    // --- Set-CrmProtectWithTenantKey (R11): downtime must be acknowledged ---
    expect(problem(expectExit(await run(['env', 'apply-tenant-key', env.id, '--json'], as), 11)).code).toBe('ACKNOWLEDGEMENT_REQUIRED');
    const applied = expectExit(await run(['env', 'apply-tenant-key', env.id, '--acknowledge-downtime'], as), 0);
    expect(applied.stderr).toMatch(/apply-tenant-key: 1\/1 succeeded/);
    expect(expectExit(await run(['env', 'show', env.id, '--json'], as), 0).json().encryption).toEqual({
      mode: 'tenant',
      keyId: first.key.id,
      status: 'ready',
    });

    // --- New-CrmImportProtectionKey: a .pfx made by OpenSSL, password on stdin ---
    const modernKey = ws.rsaKey(2048);
    const modernPfx = file('modern.pfx');
    writeFileSync(modernPfx, ws.exportPfx({ key: modernKey, cert: ws.selfSignedCert(modernKey), password: 'modern-pw' }));
    const mpw = file('modern.pw');
    writeFileSync(mpw, 'modern-pw\n');
    expectExit(await run(['key', 'upload', modernPfx, '--name', 'Modern', '--password-stdin', '--acknowledge-risk'], as, 'wrong-pw\n'), 14);
    const modern = expectExit(
      await run(['key', 'upload', modernPfx, '--name', 'Modern', '--password-stdin', '--acknowledge-risk', '--json'], as, 'modern-pw\n'),
      0,
    ).json();
    expect(modern).toMatchObject({ key: { state: 'Available', source: 'pfx', thumbprint: ws.thumbprintOfKeyFile(modernKey) }, operation: null });

    // --- Set-CrmTenantProtectionKey: refused within 24 h (R8), then the dev clock moves ---
    const early = expectExit(await run(['key', 'activate', modern.key.id, '--acknowledge-risk', '--json'], as), 34);
    expect(problem(early)).toMatchObject({ code: 'ACTIVATION_COOLDOWN', exitCode: 34 });
    expect(Date.parse(problem(early).retryAfter)).toBeGreaterThan(Date.now());
    expect(problem(expectExit(await run(['dev', 'clock', 'advance', '25h', '--json'], as), 21)).code).toBe('FORBIDDEN');
    expectExit(await run(['dev', 'clock', 'advance', '25h'], op), 0);
    expect(expectExit(await run(['key', 'activate', modern.key.id, '--acknowledge-risk', '--json'], as), 0).json().operation.status).toBe(
      'succeeded',
    );
    const states = Object.fromEntries(
      expectExit(await run(['key', 'list', '--json'], as), 0)
        .json()
        .items.map((k: any) => [k.name, k.state]),
    );
    expect(states).toEqual({ First: 'Available', Modern: 'Active' });

    // --- Set-CrmLockTenantProtectedInstances: refused within 72 h of the key change (R13), on a terminal ---
    let challenge = '';
    const tooSoon = await keywardOnTerminal(['key', 'lock', '--pfx', modernPfx], as, [
      { expect: /Password of .*: $/, type: 'modern-pw\r' },
      {
        expect: /> $/,
        type: (screen) => {
          challenge = /type this text exactly:\s+(LOCK [^\r\n]+)/.exec(screen)![1]!;
          return `${challenge}\r`;
        },
      },
    ]);
    expect(tooSoon.code, tooSoon.screen).toBe(35);
    expect(tooSoon.screen).toContain('LOCK_COOLDOWN');
    expect(tooSoon.screen).toMatch(/makes 1 environment unreadable/);
    expect(tooSoon.screen).not.toContain('modern-pw');
    const challengeFile = file('challenge.txt');
    writeFileSync(challengeFile, `${challenge}\n`);
    writeFileSync(file('wrong.txt'), 'LOCK something else\n');

    expectExit(await run(['dev', 'clock', 'advance', '73h'], op), 0);
    // Three days later the challenge seen then has expired; a script fetches the current one.
    expectExit(await run(['key', 'lock', '--pfx', modernPfx, '--password-file', mpw, '--confirm-text-file', challengeFile], as), 12);
    writeFileSync(challengeFile, expectExit(await run(['key', 'challenge'], as), 0).stdout);
    expectExit(await run(['key', 'lock', '--pfx', modernPfx, '--password-file', mpw, '--confirm-text-file', file('wrong.txt')], as), 12);
    expectExit(await run(['key', 'lock', '--pfx', firstPfx, '--password-file', pw, '--confirm-text-file', challengeFile], as), 39);
    const locked = expectExit(
      await run(['key', 'lock', '--pfx', modernPfx, '--password-file', mpw, '--confirm-text-file', challengeFile, '--json'], as),
      0,
    );
    expect(locked.json().operation).toMatchObject({ type: 'lock-tenant', status: 'succeeded' });
    // The CLI proved possession by answering a challenge locally: the .pfx never left this machine.
    expect(expectExit(await run(['audit', 'show', '--json'], as), 0).stdout).toContain('proof of possession by challenge-response');

    // --- Locked: nobody reads, the provider included; no new keys (R9) ---
    expect(problem(expectExit(await run(['rows', 'list', env.id, 'orders', '--json'], as), 41)).code).toBe('ENVIRONMENT_LOCKED');
    expectExit(await run(['rows', 'list', env.id, 'orders'], op), 41);
    expectExit(await run(['key', 'generate', '--name', 'Sneaky', '--out', file('sneaky.pfx'), '--password-file', pw, '--acknowledge-risk'], as), 37);
    expect(existsSync(file('sneaky.pfx'))).toBe(false);

    // --- Set-CrmUnlockTenantProtectedInstance: the key after 1 h (R15), then the environment ---
    expectExit(await run(['key', 'unlock', '--pfx', modernPfx, '--password-file', mpw], as), 36);
    expectExit(await run(['dev', 'clock', 'advance', '2h'], op), 0);
    expectExit(await run(['key', 'unlock', '--pfx', firstPfx, '--password-file', pw], as), 39);
    expectExit(await run(['key', 'unlock', modern.key.id, '--pfx', modernPfx, '--password-stdin'], as, 'modern-pw\n'), 0);
    expectExit(await run(['rows', 'list', env.id, 'orders'], as), 41);
    const started = expectExit(await run(['env', 'unlock', env.id, '--no-wait', '--json'], as), 0).json().operation;
    expect(started.id).toMatch(/^op_/);
    expect(expectExit(await run(['op', 'wait', started.id, '--json'], as), 0).json()).toMatchObject({ id: started.id, status: 'succeeded' });
    const byId = (items: { id: string }[]) => [...items].sort((a, b) => a.id.localeCompare(b.id));
    expect(byId(expectExit(await run(['rows', 'list', env.id, 'orders', '--json'], as), 0).json().items)).toEqual(byId(rows));

    // --- Set-CrmProtectWithMicrosoftKey (R12): production needs its name typed ---
    expectExit(await run(['env', 'return-to-provider', env.id], as), 12);
    expectExit(await run(['env', 'return-to-provider', env.id, '--confirm-name', 'Sales'], as), 0);
    expect(expectExit(await run(['env', 'show', env.id, '--json'], as), 0).json().encryption).toEqual({
      mode: 'provider',
      keyId: null,
      status: 'ready',
    });
    expect(byId(expectExit(await run(['rows', 'list', env.id, 'orders', '--json'], as), 0).json().items)).toEqual(byId(rows));

    // --- The audit log verifies; nothing secret was printed by any command ---
    expect(expectExit(await run(['audit', 'verify', '--json'], as), 0).json()).toMatchObject({ ok: true });
    const audit = expectExit(await run(['audit', 'show', '--json'], as), 0).json().items;
    expect(audit.map((e: any) => e.action)).toEqual(expect.arrayContaining(['tenant.lock', 'key.activate']));
    const everything = transcripts.join('\n');
    const pfxBytes = [readFileSync(firstPfx), readFileSync(modernPfx)];
    for (const secret of [server.operatorToken, aliceToken, firstPassword, 'modern-pw', ...pfxBytes.map((b) => b.toString('base64').slice(0, 40))]) {
      expect(everything.includes(secret), `a command printed a secret (${secret.slice(0, 6)}…)`).toBe(false);
    }
    expect(everything).not.toMatch(/BEGIN (RSA |ENCRYPTED )?PRIVATE KEY/);
  });
});
