import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OpenSslWorkspace } from '../key-files/openssl-workspace.js';
import { client, startServer, type TestServer } from '../support/server.js';
import { chromiumAvailable, openBrowser, overflowing, screenshot, type Browser } from './support/browser.js';
import { ensureWebBuilt } from './support/build.js';
import { ConsoleExpectations } from './support/console.js';

/**
 * The key flows of the admin center in real Chromium, against the contract (API.md "Keys",
 * "Environment encryption"): generate (the browser downloads a .pfx OpenSSL opens), apply,
 * upload, activate (refused within 24 h, saying when), lock with the typed challenge, unlock
 * the key, unlock the environment, return to the provider key. The rows API is the referee of
 * "data shown or refused"; the dev clock moves time for the 24 h / 72 h / 1 h rules.
 */
const available = chromiumAvailable();
const server: TestServer | undefined = available ? await startServer() : undefined;
/** Whether this server has the key routes at all: a route-level 404 says it does not (yet). */
const routesExist = server ? !(await keyRoutesMissing(server)) : false;

async function keyRoutesMissing(s: TestServer): Promise<boolean> {
  const answer = await client(s.url)('GET', '/v1/tenants/ten_probe/keys', { token: s.operatorToken });
  return answer.status === 404 && typeof answer.body?.detail === 'string' && answer.body.detail.startsWith('No route');
}

let api: ReturnType<typeof client>;
let browser: Browser;
let ws: OpenSslWorkspace;
const consoleErrors = new ConsoleExpectations();
const HOUR = 3600;

const T = { id: '', admin: '', sales: '', dev: '' };
const rows: Record<string, unknown>[] = [];
const firstPassword = 'correct horse battery 1';
const secondPassword = 'second-key-password';
let firstPfxPath = '';
let secondPfx: Buffer;

beforeAll(async () => {
  if (!routesExist || !server) return;
  await ensureWebBuilt();
  api = client(server.url);
  ws = new OpenSslWorkspace();
  const op = server.operatorToken;
  T.id = (await api('POST', '/v1/tenants', { token: op, body: { name: 'Fabrikam', licensedSeats: 3000, regions: ['eu'], cmkOptIn: true } })).body.id;
  await api('POST', `/v1/tenants/${T.id}/cmk`, { token: op, body: { enabled: true } });
  T.admin = (
    await api('POST', `/v1/tenants/${T.id}/users`, { token: op, body: { email: 'admin@fabrikam.test', roles: [{ role: 'global-admin' }] } })
  ).body.token;
  const env = async (name: string, type: string) =>
    (await api('POST', `/v1/tenants/${T.id}/environments`, { token: T.admin, body: { name, region: 'eu', type } })).body.id as string;
  T.sales = await env('Sales', 'production');
  T.dev = await env('Dev', 'sandbox');
  for (const id of [T.sales, T.dev]) {
    await api('POST', `/v1/environments/${id}/tables`, {
      token: T.admin,
      body: {
        name: 'accounts',
        columns: [
          { name: 'name', type: 'text' },
          { name: 'revenue', type: 'number' },
        ],
      },
    });
  }
  for (let i = 0; i < 3; i++) {
    rows.push(
      (
        await api('POST', `/v1/environments/${T.sales}/tables/accounts/rows`, {
          token: T.admin,
          body: { name: `customer-${i}-${randomBytes(4).toString('hex')}`, revenue: i },
        })
      ).body,
    );
  }
  // The rows API lists in id order.
  rows.sort((a, b) => String(a.id).localeCompare(String(b.id)));
  await api('POST', `/v1/environments/${T.dev}/tables/accounts/rows`, { token: T.admin, body: { name: 'dev row', revenue: 1 } });
  const key = ws.rsaKey(2048);
  secondPfx = ws.exportPfx({ key, cert: ws.selfSignedCert(key), password: secondPassword });
  ws.write('second.pfx', secondPfx);

  browser = await openBrowser(server.url);
  const { page } = browser;
  await page.goto('/');
  await page.getByLabel('Access token').fill(T.admin);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByLabel('Tenant ID').fill(T.id);
  await page.getByRole('button', { name: 'Open' }).click();
  await page.getByRole('heading', { name: 'Environments' }).waitFor();
});
afterAll(async () => {
  await browser?.close();
  ws?.dispose();
  await server?.stop();
});

const salesRows = () => api('GET', `/v1/environments/${T.sales}/tables/accounts/rows`, { token: T.admin });
const advance = async (seconds: number) => {
  const moved = await api('POST', '/v1/dev/clock', { token: server!.operatorToken, body: { advanceSeconds: seconds } });
  expect(moved.status).toBe(200);
};
const keyRow = (name: string, state?: string) => browser.page.locator(`[data-key-name="${name}"]${state ? `[data-key-state="${state}"]` : ''}`);

async function openKeys(): Promise<void> {
  const { page } = browser;
  await page.getByRole('link', { name: 'Manage encryption keys' }).first().click();
  await page.getByRole('button', { name: 'Confirm', exact: true }).click();
  await page.getByRole('toolbar', { name: 'Key actions' }).waitFor();
}

async function openEnvironment(name: string): Promise<void> {
  const { page } = browser;
  await page.getByRole('link', { name: 'Environments', exact: true }).click();
  await page.getByRole('link', { name, exact: true }).click();
  await page.getByRole('heading', { name, level: 1 }).waitFor();
}

const encryptionText = () => browser.page.getByRole('region', { name: 'Environment encryption' }).textContent();

describe.skipIf(!routesExist)('admin center key flows', () => {
  it('asks for the risk acknowledgement on entry, then shows the (empty) key table', async () => {
    const { page } = browser;
    await page.getByRole('link', { name: 'Manage encryption keys' }).first().click();
    await page.getByRole('heading', { name: 'Understand the potential risk when you manage your keys' }).waitFor();
    await screenshot(page, 'manage-keys-risk');
    await page.getByRole('button', { name: 'Confirm', exact: true }).click();
    await page.getByText('No keys yet').waitFor();
  });

  it('generates a key: the browser downloads a .pfx that OpenSSL opens; the first key activates at once', async () => {
    const { page } = browser;
    await page.getByRole('button', { name: 'New key', exact: true }).click();
    const pane = page.getByRole('dialog', { name: 'New key' });
    await pane.getByLabel('Key name').fill('First key');
    await pane.getByLabel(/^Password/).fill(firstPassword);
    await pane.getByLabel('Confirm password').fill(firstPassword);
    await screenshot(page, 'new-key');
    const download = page.waitForEvent('download');
    await pane.getByRole('button', { name: 'Create', exact: true }).click();
    const file = await download;
    expect(file.suggestedFilename()).toBe('First-key.pfx');
    firstPfxPath = join(ws.dir, 'first.pfx');
    await file.saveAs(firstPfxPath);
    ws.run(['pkcs12', '-info', '-noout', '-passin', `pass:${firstPassword}`, '-in', 'first.pfx']);
    const keyPem = ws.pfxExtract(ws.read('first.pfx'), firstPassword, ['-nocerts', '-nodes']);
    await pane.getByText('Key First key was created').waitFor();
    await pane.getByRole('button', { name: 'Close', exact: true }).last().click();

    // R6: Installing, then Active, without a reload; the operation ends in the tray.
    await keyRow('First key', 'Active').waitFor();
    await page.locator('[data-operation-type="activate-key"][data-operation-status="succeeded"]').waitFor();
    const keys = (await api('GET', `/v1/tenants/${T.id}/keys`, { token: T.admin })).body.items;
    expect(keys).toHaveLength(1);
    expect(ws.thumbprintOfKeyPem(keyPem)).toBe(keys[0].thumbprint);
    expect(await keyRow('First key').textContent()).toContain(keys[0].thumbprint.slice(0, 8));
    await screenshot(page, 'manage-keys');
  });

  it('applies the key to Sales after the downtime warning; its data reads back', async () => {
    const { page } = browser;
    await openEnvironment('Sales');
    await page.getByRole('button', { name: 'Apply this key' }).click();
    const dialog = page.getByRole('dialog', { name: 'Apply the tenant key to Sales?' });
    await dialog.getByText('There is downtime').waitFor();
    await screenshot(page, 'apply-key');
    expect(await dialog.getByRole('button', { name: 'Confirm', exact: true }).isDisabled()).toBe(true);
    await dialog.getByRole('checkbox').check();
    await dialog.getByRole('button', { name: 'Confirm', exact: true }).click();
    await expect.poll(encryptionText, { timeout: 30_000 }).toContain('Tenant-managed key');
    await expect.poll(encryptionText).toContain('First key');
    expect((await salesRows()).body.items).toEqual(rows);
  });

  it("uploads a .pfx: a wrong password shows the server's detail; the right one arrives Available", async () => {
    const { page } = browser;
    await openKeys();
    await page.getByRole('button', { name: 'New key', exact: true }).click();
    const pane = page.getByRole('dialog', { name: 'New key' });
    await pane.getByLabel('Key name').fill('Second key');
    await pane.getByRole('radio', { name: 'Upload (.pfx or .byok)' }).check();
    await pane.getByLabel(/^Upload the key/).setInputFiles(ws.path('second.pfx'));
    await pane.getByLabel(/^Password/).fill('not the password');
    consoleErrors.expectRefusal(400);
    await pane.getByRole('button', { name: 'Create', exact: true }).click();
    await pane.locator('[data-problem-code="BAD_PASSWORD"]').waitFor();
    await pane.getByLabel(/^Password/).fill(secondPassword);
    await pane.getByRole('button', { name: 'Create', exact: true }).click();
    await pane.getByText('Key Second key was created').waitFor();
    await pane.getByRole('button', { name: 'Close', exact: true }).last().click();
    await keyRow('Second key', 'Available').waitFor();
  });

  it('Activate says all admins are e-mailed; within 24 h it is refused, saying when; after, it activates with no downtime', async () => {
    const { page } = browser;
    await page.getByRole('radio', { name: 'Select key Second key' }).check();
    await page.getByRole('button', { name: 'Activate key', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Activate key Second key?' });
    await dialog.getByText('All administrators of the tenant will be e-mailed').waitFor();
    consoleErrors.expectRefusal(409);
    await dialog.getByRole('button', { name: 'Confirm', exact: true }).click();
    await dialog.locator('[data-problem-code="ACTIVATION_COOLDOWN"]').waitFor();
    expect(await dialog.getByTestId('retry-after').textContent()).toMatch(/This becomes possible on .+ \(in about (23|24) hours\)\./);
    await screenshot(page, 'activation-cooldown');
    await dialog.getByRole('button', { name: 'Cancel', exact: true }).click();

    await advance(24 * HOUR + 60);
    await page.getByRole('button', { name: 'Activate key', exact: true }).click();
    await page.getByRole('dialog', { name: 'Activate key Second key?' }).getByRole('button', { name: 'Confirm', exact: true }).click();
    await keyRow('Second key', 'Active').waitFor();
    await keyRow('First key', 'Available').waitFor();
    // R7: rewrapped, not re-encrypted: the data never stopped being readable.
    expect((await salesRows()).body.items).toEqual(rows);
    const second = (await api('GET', `/v1/tenants/${T.id}/keys`, { token: T.admin })).body.items.find(
      (k: { name: string }) => k.name === 'Second key',
    );
    await expect.poll(async () => (await api('GET', `/v1/environments/${T.sales}`, { token: T.admin })).body.encryption.keyId).toBe(second.id);
  });

  it('locks with the active key and the typed challenge (refused within 72 h); locked data is refused', async () => {
    const { page } = browser;
    await page.getByRole('radio', { name: 'Select key Second key' }).check();
    await page.getByRole('button', { name: 'Lock active environments', exact: true }).click();
    const pane = page.getByRole('dialog', { name: 'Lock active environments' });
    await pane.getByLabel(/^Upload active key/).setInputFiles(ws.path('second.pfx'));
    await pane.getByLabel(/^Password/).fill(secondPassword);
    await pane.getByRole('button', { name: 'Lock', exact: true }).click();
    const challenge = (await pane.getByTestId('lock-challenge').textContent()) ?? '';
    expect(challenge).toMatch(/^LOCK Fabrikam eu: \d+ environments? offline, \d+ keys? destroyed, key [0-9a-f]{8}, code [A-Z2-9]{6}$/);
    await pane.getByLabel(/^Text to confirm/).fill(challenge);
    await screenshot(page, 'lock-challenge');
    consoleErrors.expectRefusal(409);
    await pane.getByRole('button', { name: 'Confirm', exact: true }).click();
    await pane.locator('[data-problem-code="LOCK_COOLDOWN"]').waitFor();

    await advance(72 * HOUR + 60);
    // Three days on, the challenge typed then has expired: the pane shows the current one to type.
    consoleErrors.expectRefusal(400);
    await pane.getByRole('button', { name: 'Confirm', exact: true }).click();
    await pane.locator('[data-problem-code="CONFIRMATION_MISMATCH"]').waitFor();
    await expect.poll(async () => (await pane.getByTestId('lock-challenge').textContent()) ?? '').not.toBe(challenge);
    await pane.getByLabel(/^Text to confirm/).fill((await pane.getByTestId('lock-challenge').textContent()) ?? '');
    await pane.getByRole('button', { name: 'Confirm', exact: true }).click();
    await pane.waitFor({ state: 'detached' });
    await page.locator('[data-operation-type="lock-tenant"][data-operation-status="succeeded"]').waitFor({ timeout: 30_000 });
    // R13: the active key is Locked; every other key of the region is gone.
    await keyRow('Second key', 'Locked').waitFor();
    await keyRow('First key').waitFor({ state: 'detached' });

    await openEnvironment('Sales');
    await expect.poll(encryptionText).toContain('This environment is locked');
    await page.getByRole('region', { name: 'Environment encryption' }).scrollIntoViewIfNeeded();
    await screenshot(page, 'environment-locked');
    const refused = await salesRows();
    expect(refused.status).toBe(423);
    expect(refused.body.code).toBe('ENVIRONMENT_LOCKED');
    // The provider-key environment is untouched by the tenant's lock.
    expect((await api('GET', `/v1/environments/${T.dev}/tables/accounts/rows`, { token: T.admin })).status).toBe(200);
  });

  it('unlocks the key (refused within 1 h of the lock), then the environment on its own', async () => {
    const { page } = browser;
    await openKeys();
    await page.getByRole('radio', { name: 'Select key Second key' }).check();
    await page.getByRole('button', { name: 'Unlock key', exact: true }).click();
    const pane = page.getByRole('dialog', { name: 'Unlock key' });
    await pane.getByLabel(/^Upload locked key/).setInputFiles(ws.path('second.pfx'));
    await pane.getByLabel(/^Password/).fill(secondPassword);
    consoleErrors.expectRefusal(409);
    await pane.getByRole('button', { name: 'Unlock', exact: true }).click();
    await pane.locator('[data-problem-code="UNLOCK_TOO_EARLY"]').waitFor();
    await pane.getByTestId('retry-after').waitFor();
    await screenshot(page, 'unlock-key');

    await advance(HOUR + 60);
    await pane.getByRole('button', { name: 'Unlock', exact: true }).click();
    await pane.waitFor({ state: 'detached' });
    await keyRow('Second key', 'Active').waitFor({ timeout: 30_000 });
    // R15: the environment stays locked until it is unlocked on its own.
    expect((await salesRows()).status).toBe(423);

    await openEnvironment('Sales');
    await page.getByRole('button', { name: 'Unlock', exact: true }).click();
    await page.getByRole('dialog', { name: 'Unlock Sales?' }).getByRole('button', { name: 'Confirm', exact: true }).click();
    await expect.poll(encryptionText, { timeout: 30_000 }).toContain('Ready');
    const readable = await salesRows();
    expect(readable.status).toBe(200);
    expect(readable.body.items).toEqual(rows);
  });

  it('returns Sales to the provider key, with its name typed (production)', async () => {
    const { page } = browser;
    await page.getByRole('button', { name: 'Return to standard encryption management' }).click();
    const dialog = page.getByRole('dialog', { name: 'Return to standard encryption management' });
    const confirm = dialog.getByRole('button', { name: 'Confirm', exact: true });
    expect(await confirm.isDisabled()).toBe(true);
    await dialog.getByLabel(/Type the environment's name/).fill('Sales');
    await confirm.click();
    await expect.poll(encryptionText, { timeout: 30_000 }).toContain('Provider-managed key');
    expect((await api('GET', `/v1/environments/${T.sales}`, { token: T.admin })).body.encryption).toMatchObject({
      mode: 'provider',
      keyId: null,
      status: 'ready',
    });
    expect((await salesRows()).body.items).toEqual(rows);
  });

  it('fits a phone: the key list becomes cards', async () => {
    const { page } = browser;
    await page.setViewportSize({ width: 375, height: 812 });
    // A fresh load (the session survives it): the finished operations above are gone.
    await page.goto('/keys');
    await page.getByRole('button', { name: 'Confirm', exact: true }).click();
    await page.getByRole('radio', { name: 'Second key' }).waitFor();
    expect(await overflowing(page)).toEqual([]);
    await screenshot(page, 'manage-keys-phone');
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('logged no console error beyond the refusals it provoked', () => {
    expect(consoleErrors.check(browser.errors)).toEqual({ unexpected: [], missing: [] });
  });
});
