import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3-multiple-ciphers';
import { afterAll, describe, expect, it } from 'vitest';
import { generatePfx, type GeneratedPfx } from '../../src/crypto/key-files/index.js';
import { mayHoldPrivateHalf, type KeyState } from '../../src/domain/tenant-key.js';
import type { FaultPoint } from '../../src/ports/fault-points.js';
import { advance, expectStatus, HOUR, waitForOperation, type Call } from '../support/api.js';
import { client, startServer, type TestServer } from '../support/server.js';
import type { SoftHsmToken } from '../support/softhsm.js';

/**
 * SPEC L2 and L3 against `kill -9` at every step boundary. One story (upload, apply, generate,
 * activate, BYOK exchange key, return, lock, unlock key, unlock environment, reset, restore) is
 * played on one data dir; before each step the server is restarted armed with the step's fault
 * point (KEYWARD_TEST_KILL_AT), so it dies with SIGKILL exactly there; then it is restarted
 * unarmed, the step is finished the way a client would (retried where its request died), and:
 * every operation has ended, the audit chain verifies and holds the step's state change exactly
 * once, and the vault, searched by itself (the software vault rebuilt from the files on disk, or
 * the token listed by OpenSC's pkcs11-tool), holds exactly the private keys of live records.
 */
const run = promisify(execFile);
const PASSWORD = 'crash-pfx-password';
const b64 = (bytes: Buffer) => bytes.toString('base64');

interface Story {
  api: Call;
  tenantId: string;
  admin: string;
  T: string;
  envs: { cmk: string; other: string };
  keys: Record<'X' | 'Y', GeneratedPfx>;
  ids: Partial<Record<'X' | 'Y', string>>;
}

interface Step {
  name: string;
  point: FaultPoint;
  /** Points for the starts after the first kill: the re-run of an operation dies at each in turn. */
  then?: FaultPoint[];
  /** The request(s) that reach the point; the server dies during or after them. */
  act(s: Story): Promise<unknown>;
  /** After the restart: finish the step as a client would, idempotently. */
  heal(s: Story): Promise<void>;
  /** The state change the step makes, which the audit log must hold exactly once. */
  audited: (s: Story) => { action: string; target?: string; outcome: 'allowed' | 'succeeded' };
}

const upload = (s: Story, which: 'X' | 'Y', name: string) =>
  s.api('POST', `${s.T}/keys/upload`, {
    token: s.admin,
    body: { region: 'eu', name, format: 'pfx', file: b64(s.keys[which].pfx), password: PASSWORD, acknowledgeRisk: true },
  });

async function keyIdOf(s: Story, which: 'X' | 'Y'): Promise<string | undefined> {
  const list = expectStatus(await s.api('GET', `${s.T}/keys`, { token: s.admin }), 200).body.items as { id: string; thumbprint: string }[];
  return list.find((k) => k.thumbprint === s.keys[which].thumbprint)?.id;
}

/** Until every operation of the tenant has ended (a killed one is taken over after its lease). */
async function settle(s: Story, db: () => Database.Database): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const running = db().prepare("select id from operations where tenant_id = ? and status = 'running'").all(s.tenantId) as { id: string }[];
    if (running.length === 0) return;
    for (const { id } of running) await waitForOperation(s.api, s.admin, id, Math.max(1, deadline - Date.now()));
  }
}

async function ensureKey(s: Story, which: 'X' | 'Y', name: string): Promise<void> {
  if ((await keyIdOf(s, which)) === undefined) expectStatus(await upload(s, which, name), 201);
  s.ids[which] = await keyIdOf(s, which);
}

async function ensureOperation(s: Story, pending: () => Promise<boolean>, request: () => Promise<{ status: number; body: any }>): Promise<void> {
  if (!(await pending())) return;
  const answer = await request();
  expect(answer.status, JSON.stringify(answer.body)).toBe(202);
  await waitForOperation(s.api, s.admin, answer.body.operation.id);
}

function steps(): Step[] {
  const nothing = () => Promise.resolve();
  const none = () => ({ action: 'none', outcome: 'allowed' as const });
  const applyTo = (s: Story, envId: string) =>
    s.api('POST', `/v1/environments/${envId}/encryption/apply-tenant-key`, { token: s.admin, body: { acknowledgeDowntime: true } });
  const returnOther = (s: Story) => s.api('POST', `/v1/environments/${s.envs.other}/encryption/return-to-provider`, { token: s.admin, body: {} });
  const unlockY = (s: Story) =>
    s.api('POST', `${s.T}/keys/${s.ids.Y}/unlock`, { token: s.admin, body: { file: b64(s.keys.Y.pfx), password: PASSWORD } });
  const stateOfY = async (s: Story) =>
    (await s.api('GET', `${s.T}/keys`, { token: s.admin })).body.items.find((k: { id: string }) => k.id === s.ids.Y)?.state;
  return [
    // The first key: its custody killed at each boundary; nothing arrives until the third, whose
    // activation (queued in the same commit) is then killed before it finishes, on the next start.
    {
      name: 'first upload, killed after its intent',
      point: 'key-custody.after-intent',
      act: (s) => upload(s, 'X', 'First'),
      heal: nothing,
      audited: () => ({ action: 'key.upload', outcome: 'allowed' }),
    },
    {
      name: 'first upload, killed after the vault import',
      point: 'key-custody.after-vault-import',
      act: (s) => upload(s, 'X', 'First'),
      heal: nothing,
      audited: () => ({ action: 'key.upload', outcome: 'allowed' }),
    },
    {
      name: 'first upload, killed after its commit; its activation killed before it finishes',
      point: 'key-custody.after-commit',
      then: ['activate.before-finish'],
      act: (s) => upload(s, 'X', 'First'),
      heal: (s) => ensureKey(s, 'X', 'First'),
      audited: (s) => ({ action: 'key.activate', target: `key:${s.ids.X}`, outcome: 'succeeded' }),
    },
    {
      name: 'apply, killed after its new DEK was recorded',
      point: 'protection.after-pending-dek',
      act: (s) => applyTo(s, s.envs.cmk),
      heal: nothing,
      audited: (s) => ({ action: 'environment.apply-tenant-key', target: `environment:${s.envs.cmk}`, outcome: 'succeeded' }),
    },
    {
      name: 'apply, killed after the re-key, before its commit',
      point: 'protection.after-rekey',
      then: ['protection.before-commit'],
      act: (s) => applyTo(s, s.envs.other),
      heal: nothing,
      audited: (s) => ({ action: 'environment.apply-tenant-key', target: `environment:${s.envs.other}`, outcome: 'succeeded' }),
    },
    {
      name: 'generate, killed after the vault import (the .pfx is never delivered)',
      point: 'key-custody.after-vault-import',
      act: (s) =>
        s.api('POST', `${s.T}/keys/generate`, {
          token: s.admin,
          body: { region: 'eu', name: 'Generated', password: PASSWORD, acknowledgeRisk: true },
        }),
      heal: nothing,
      audited: () => ({ action: 'key.generate', outcome: 'allowed' }),
    },
    {
      name: 'activation of a second key, killed after a rewrap batch',
      point: 'activate.after-rewrap-batch',
      act: async (s) => {
        await ensureKey(s, 'Y', 'Second');
        await advance(s.api, operatorToken, 25 * HOUR);
        return s.api('POST', `${s.T}/keys/${s.ids.Y}/activate`, { token: s.admin, body: { acknowledgeRisk: true } });
      },
      heal: nothing,
      audited: (s) => ({ action: 'key.activate', target: `key:${s.ids.Y}`, outcome: 'succeeded' }),
    },
    {
      name: 'return to the provider key, killed before its commit',
      point: 'protection.before-commit',
      act: returnOther,
      heal: nothing,
      audited: (s) => ({ action: 'environment.return-to-provider', target: `environment:${s.envs.other}`, outcome: 'succeeded' }),
    },
    {
      name: 'BYOK exchange key, killed after its intent',
      point: 'exchange-key.after-intent',
      act: (s) => s.api('GET', `${s.T}/byok-exchange-key?region=eu`, { token: s.admin }),
      heal: nothing,
      audited: none,
    },
    {
      name: 'BYOK exchange key, killed after the vault import',
      point: 'exchange-key.after-vault-import',
      act: (s) => s.api('GET', `${s.T}/byok-exchange-key?region=eu`, { token: s.admin }),
      heal: async (s) => void expectStatus(await s.api('GET', `${s.T}/byok-exchange-key?region=eu`, { token: s.admin }), 200),
      audited: none,
    },
    {
      name: 'lock, killed after the vault destroyed the keys, then before its final commit',
      point: 'lock.after-vault-destroy',
      then: ['lock.before-finish'],
      act: async (s) => {
        await advance(s.api, operatorToken, 73 * HOUR);
        const text = expectStatus(await s.api('GET', `${s.T}/lock-challenge?region=eu`, { token: s.admin }), 200).body.text;
        return s.api('POST', `${s.T}/lock`, {
          token: s.admin,
          body: { region: 'eu', file: b64(s.keys.Y.pfx), password: PASSWORD, confirmation: text },
        });
      },
      heal: nothing,
      audited: () => ({ action: 'tenant.lock', target: 'region:eu', outcome: 'succeeded' }),
    },
    {
      name: 'unlock key, killed after its intent',
      point: 'unlock-key.after-intent',
      act: async (s) => {
        await advance(s.api, operatorToken, 2 * HOUR);
        return unlockY(s);
      },
      heal: nothing,
      audited: none,
    },
    {
      name: 'unlock key, killed after the vault import',
      point: 'unlock-key.after-vault-import',
      act: unlockY,
      heal: (s) =>
        ensureOperation(
          s,
          async () => (await stateOfY(s)) === 'Locked',
          () => unlockY(s),
        ),
      audited: (s) => ({ action: 'key.unlock', target: `key:${s.ids.Y}`, outcome: 'succeeded' }),
    },
    {
      name: 'unlock environment, killed before its commit',
      point: 'unlock-environment.before-commit',
      act: (s) => s.api('POST', `/v1/environments/${s.envs.cmk}/encryption/unlock`, { token: s.admin, body: {} }),
      heal: nothing,
      audited: (s) => ({ action: 'environment.unlock-environment', target: `environment:${s.envs.cmk}`, outcome: 'succeeded' }),
    },
    {
      name: 'reset, killed after the shred',
      point: 'reset.after-shred',
      act: (s) => s.api('POST', `/v1/environments/${s.envs.other}/reset`, { token: s.admin, body: {} }),
      heal: nothing,
      audited: (s) => ({ action: 'environment.reset', target: `environment:${s.envs.other}`, outcome: 'succeeded' }),
    },
  ];
}

let operatorToken = '';

/**
 * `only` keeps the steps whose fault point starts with one of the given prefixes (the token
 * variant runs the steps that touch the vault: custody, exchange keys, lock, unlock).
 */
export function faultPointCrashes(label: string, vault: () => Promise<SoftHsmToken | undefined>, only?: readonly string[]): void {
  describe(`kill -9 at every step boundary (${label})`, () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'keyward-faults-'));
    let server: TestServer | undefined;
    let token: SoftHsmToken | undefined;
    let kills = 0;
    afterAll(async () => {
      await server?.stop('SIGKILL');
      await token?.cleanup();
      console.log(`fault-point crashes (${label}): ${kills} kills landed, each at its named step boundary`);
    });

    it('finishes every step exactly once after a kill at its boundary, and leaves no orphan in the vault', { timeout: 900_000 }, async () => {
      token = await vault();
      operatorToken = 'op_fault_points_token_0001';
      const env = {
        KEYWARD_DATA_DIR: dataDir,
        KEYWARD_OPERATOR_TOKEN: operatorToken,
        KEYWARD_OPERATION_LEASE_MS: '1000',
        KEYWARD_CUSTODY_TIMEOUT_MS: '500',
        KEYWARD_PFX_ITERATIONS: '1000',
        KEYWARD_LOG_LEVEL: 'error',
        ...(token?.env ?? {}),
      };
      const start = async (point?: FaultPoint) => {
        server = await startServer({ ...env, ...(point ? { KEYWARD_TEST_KILL_AT: point } : {}) }, { mayDie: point !== undefined });
        return client(server.url);
      };
      let db: Database.Database | undefined;
      const control = () => (db ??= new Database(join(dataDir, 'keyward.db'), { readonly: true, fileMustExist: true }));
      const closeDb = () => {
        db?.close();
        db = undefined;
      };

      const make = (name: string) => generatePfx({ keyName: name, tenantName: 'Crash', password: PASSWORD, now: new Date(), iterations: 1000 });
      const story: Story = {
        api: await start(),
        tenantId: '',
        admin: '',
        T: '',
        envs: { cmk: '', other: '' },
        keys: { X: await make('X'), Y: await make('Y') },
        ids: {},
      };
      const tenant = expectStatus(
        await story.api('POST', '/v1/tenants', {
          token: operatorToken,
          body: { name: 'Crash', licensedSeats: 5000, regions: ['eu'], cmkOptIn: true },
        }),
        201,
      ).body;
      expectStatus(await story.api('POST', `/v1/tenants/${tenant.id}/cmk`, { token: operatorToken, body: { enabled: true } }), 200);
      story.tenantId = tenant.id;
      story.T = `/v1/tenants/${tenant.id}`;
      story.admin = expectStatus(
        await story.api('POST', `${story.T}/users`, {
          token: operatorToken,
          body: { email: 'admin@crash.example', roles: [{ role: 'global-admin' }] },
        }),
        201,
      ).body.token;
      for (const name of ['cmk', 'other'] as const) {
        const id = expectStatus(
          await story.api('POST', `${story.T}/environments`, { token: story.admin, body: { name, region: 'eu', type: 'sandbox' } }),
          201,
        ).body.id;
        expectStatus(
          await story.api('POST', `/v1/environments/${id}/tables`, {
            token: story.admin,
            body: { name: 'notes', columns: [{ name: 'body', type: 'text' }] },
          }),
          201,
        );
        expectStatus(
          await story.api('POST', `/v1/environments/${id}/tables/notes/rows`, { token: story.admin, body: { body: `row of ${name}` } }),
          201,
        );
        story.envs[name] = id;
      }

      const chosen = steps().filter(
        (step) =>
          only === undefined || only.some((prefix) => step.point.startsWith(prefix)) || step.name.startsWith('first upload, killed after its commit'),
      );
      for (const step of chosen) {
        await server!.stop();
        story.api = await start(step.point);
        const acted = await step.act(story).catch(() => undefined); // the request may die with the server
        const death = await Promise.race([server!.exited, new Promise<undefined>((r) => setTimeout(r, 30_000, undefined))]);
        expect(
          death?.signal,
          `${step.name}: the server reached ${step.point} and was killed there (the request answered ${JSON.stringify(acted)})\n${server!.output()}`,
        ).toBe('SIGKILL');
        kills++;
        for (const next of step.then ?? []) {
          story.api = await start(next);
          const again = await Promise.race([server!.exited, new Promise<undefined>((r) => setTimeout(r, 30_000, undefined))]);
          expect(again?.signal, `${step.name}: the re-run reached ${next}\n${server!.output()}`).toBe('SIGKILL');
          kills++;
        }
        await new Promise((r) => setTimeout(r, 600)); // past the custody timeout, as a real restart would be
        story.api = await start();
        await step.heal(story);
        await settle(story, control);
        await checkAfter(story, step, control, token);
        closeDb();
      }
      await server!.stop();
    });
  });
}

async function checkAfter(s: Story, step: Step, db: () => Database.Database, token: SoftHsmToken | undefined): Promise<void> {
  const verify = expectStatus(await s.api('GET', `${s.T}/audit/verify`, { token: s.admin }), 200).body;
  expect(verify.ok, `${step.name}: audit chain`).toBe(true);
  const { action, target, outcome } = step.audited(s);
  if (action !== 'none') {
    const entries = db()
      .prepare('select target from audit_log where tenant_id = ? and action = ? and outcome = ?')
      .all(s.tenantId, action, outcome) as { target: string }[];
    const matching = target === undefined ? entries : entries.filter((e) => e.target === target);
    // Upload steps: every upload of the story so far committed once (the first key only once).
    if (action !== 'key.upload' && action !== 'key.generate') expect(matching.length, `${step.name}: ${action} ${outcome} recorded once`).toBe(1);
    else expect(matching.length, `${step.name}: ${action} recorded at most once per key`).toBe(new Set(matching.map((e) => e.target)).size);
  }
  const keys = db().prepare('select id, state from tenant_keys').all() as { id: string; state: KeyState }[];
  expect(
    keys.filter((k) => ['Importing', 'Restoring', 'Installing'].includes(k.state)),
    `${step.name}: nothing left half-way`,
  ).toEqual([]);
  const exchange = db().prepare("select id from exchange_keys where state <> 'Destroyed'").all() as { id: string }[];
  const live = new Set([...keys.filter((k) => mayHoldPrivateHalf(k.state)).map((k) => k.id), ...exchange.map((x) => x.id)]);
  const held = new Set(token ? await tokenPrivateKeys(token) : softwareVaultPrivateKeys(db()));
  expect([...held].sort(), `${step.name}: the vault holds exactly the private keys of live records`).toEqual([...live].sort());
  expect((db().prepare("select count(*) as n from operations where status = 'running'").get() as { n: number }).n).toBe(0);
}

/** The software vault as the files on disk hold it: every sealed private key. */
function softwareVaultPrivateKeys(db: Database.Database): string[] {
  return (db.prepare("select handle from vault_objects where kind = 'private-key'").all() as { handle: string }[]).map((r) => r.handle);
}

/** The token's own listing, by OpenSC's pkcs11-tool: the ID of every private key object. */
async function tokenPrivateKeys(token: SoftHsmToken): Promise<string[]> {
  const { stdout } = await run(
    'pkcs11-tool',
    ['--module', token.modulePath, '--token-label', token.tokenLabel, '--login', '--pin', token.pin, '--list-objects', '--type', 'privkey'],
    { env: { ...process.env, SOFTHSM2_CONF: token.confPath } },
  );
  return [...stdout.matchAll(/^\s*ID:\s*([0-9a-f]+)\s*$/gm)].map((m) => Buffer.from(m[1]!, 'hex').toString('utf8'));
}
