import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitForOperation } from '../support/api.js';
import { client, startServer, type TestServer } from '../support/server.js';
import { chromiumAvailable, openBrowser, screenshot, type Browser } from './support/browser.js';
import { ensureWebBuilt } from './support/build.js';
import { ConsoleExpectations } from './support/console.js';

/**
 * Backups and database operations from an environment's page (API.md "Environment encryption
 * and database operations"): take a backup, restore it (refused onto an environment under
 * another key, R16), copy over an environment under the same key (R17), reset (R18). Skips
 * while the server answers the backup routes with a route-level 404.
 */
const available = chromiumAvailable();
const server: TestServer | undefined = available ? await startServer() : undefined;
const routesExist = server ? !(await backupRoutesMissing(server)) : false;

async function backupRoutesMissing(s: TestServer): Promise<boolean> {
  const answer = await client(s.url)('GET', '/v1/environments/env_probe/backups', { token: s.operatorToken });
  return answer.status === 404 && typeof answer.body?.detail === 'string' && answer.body.detail.startsWith('No route');
}

let api: ReturnType<typeof client>;
let browser: Browser;
const consoleErrors = new ConsoleExpectations();
const E = { tenant: '', admin: '', prod: '', target: '', plain: '' };
let original: Record<string, unknown>[] = [];

const rowsOf = (envId: string) => api('GET', `/v1/environments/${envId}/tables/items/rows`, { token: E.admin });
const byId = (rows: Record<string, unknown>[]) => [...rows].sort((a, b) => String(a.id).localeCompare(String(b.id)));

beforeAll(async () => {
  if (!routesExist || !server) return;
  await ensureWebBuilt();
  api = client(server.url);
  const op = server.operatorToken;
  E.tenant = (
    await api('POST', '/v1/tenants', { token: op, body: { name: 'Northwind', licensedSeats: 2000, regions: ['eu'], cmkOptIn: true } })
  ).body.id;
  await api('POST', `/v1/tenants/${E.tenant}/cmk`, { token: op, body: { enabled: true } });
  E.admin = (
    await api('POST', `/v1/tenants/${E.tenant}/users`, { token: op, body: { email: 'admin@northwind.test', roles: [{ role: 'global-admin' }] } })
  ).body.token;
  const env = async (name: string, type: string) =>
    (await api('POST', `/v1/tenants/${E.tenant}/environments`, { token: E.admin, body: { name, region: 'eu', type } })).body.id as string;
  E.prod = await env('Prod', 'production');
  E.target = await env('Copy target', 'sandbox');
  E.plain = await env('Provider env', 'sandbox');
  const generated = await api('POST', `/v1/tenants/${E.tenant}/keys/generate`, {
    token: E.admin,
    body: { region: 'eu', name: 'Key', password: 'a long password', acknowledgeRisk: true },
  });
  await waitForOperation(api, E.admin, generated.body.operation.id);
  for (const id of [E.prod, E.target]) {
    const applied = await api('POST', `/v1/environments/${id}/encryption/apply-tenant-key`, { token: E.admin, body: { acknowledgeDowntime: true } });
    expect((await waitForOperation(api, E.admin, applied.body.operation.id)).status).toBe('succeeded');
  }
  await api('POST', `/v1/environments/${E.prod}/tables`, { token: E.admin, body: { name: 'items', columns: [{ name: 'label', type: 'text' }] } });
  for (const label of ['one', 'two']) await api('POST', `/v1/environments/${E.prod}/tables/items/rows`, { token: E.admin, body: { label } });
  original = byId((await rowsOf(E.prod)).body.items);

  browser = await openBrowser(server.url);
  const { page } = browser;
  await page.goto('/');
  await page.getByLabel('Access token').fill(E.admin);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByLabel('Tenant ID').fill(E.tenant);
  await page.getByRole('button', { name: 'Open', exact: true }).click();
  await page.getByRole('link', { name: 'Prod', exact: true }).click();
  await page.getByRole('heading', { name: 'Prod', level: 1 }).waitFor();
});
afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe.skipIf(!routesExist)('admin center database operations', () => {
  it('takes a labelled backup and lists it', async () => {
    const { page } = browser;
    await page.getByLabel('Backup label (optional)').fill('before the change');
    await page.getByRole('button', { name: 'Create backup', exact: true }).click();
    await page.getByRole('cell', { name: 'before the change', exact: true }).waitFor();
    expect((await api('GET', `/v1/environments/${E.prod}/backups`, { token: E.admin })).body.items).toHaveLength(1);
    await page.getByRole('region', { name: 'Backups and database operations' }).scrollIntoViewIfNeeded();
    await screenshot(page, 'backups');
  });

  it('restores the backup over its environment; refuses an environment under another key (R16)', async () => {
    const { page } = browser;
    await api('POST', `/v1/environments/${E.prod}/tables/items/rows`, { token: E.admin, body: { label: 'after the backup' } });
    expect((await rowsOf(E.prod)).body.items).toHaveLength(3);

    await page.getByRole('button', { name: 'Restore backup before the change' }).click();
    let dialog = page.getByRole('dialog', { name: 'Restore a backup' });
    await dialog.getByLabel('Restore to').selectOption({ label: 'Provider env' });
    consoleErrors.expectRefusal(409);
    await dialog.getByRole('button', { name: 'Restore', exact: true }).click();
    await dialog.locator('[data-problem-code="KEY_MISMATCH"]').waitFor();
    await dialog.getByRole('button', { name: 'Cancel', exact: true }).click();

    await page.getByRole('button', { name: 'Restore backup before the change' }).click();
    dialog = page.getByRole('dialog', { name: 'Restore a backup' });
    await dialog.getByRole('button', { name: 'Restore', exact: true }).click();
    await page.locator('[data-operation-type="restore"][data-operation-status="succeeded"]').waitFor({ timeout: 30_000 });
    expect(byId((await rowsOf(E.prod)).body.items)).toEqual(original);
  });

  it('copies the environment over another under the same key (R17)', async () => {
    const { page } = browser;
    await page.getByRole('button', { name: 'Copy to another environment', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Copy Prod' });
    await dialog.getByLabel(/^Copy to/).selectOption({ label: 'Copy target' });
    await dialog.getByRole('button', { name: 'Copy', exact: true }).click();
    await page.locator('[data-operation-type="copy"][data-operation-status="succeeded"]').waitFor({ timeout: 30_000 });
    expect(byId((await rowsOf(E.target)).body.items)).toEqual(original);
  });

  it('resets an environment after its name is typed: data and backups gone, back on the provider key (R18)', async () => {
    const { page } = browser;
    await page.getByRole('button', { name: 'Reset', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Reset Prod?' });
    const confirm = dialog.getByRole('button', { name: 'Reset', exact: true });
    expect(await confirm.isDisabled()).toBe(true);
    await dialog.getByLabel(/Type the environment's name/).fill('Prod');
    await confirm.click();
    await page.locator('[data-operation-type="reset"][data-operation-status="succeeded"]').waitFor({ timeout: 30_000 });
    await expect.poll(() => page.getByRole('region', { name: 'Environment encryption' }).textContent()).toContain('Provider-managed key');
    await page.getByText('No backups yet.').waitFor();
    expect((await api('GET', `/v1/environments/${E.prod}`, { token: E.admin })).body.encryption.mode).toBe('provider');
    expect((await api('GET', `/v1/environments/${E.prod}/backups`, { token: E.admin })).body.items).toEqual([]);
    expect((await rowsOf(E.prod)).status).toBe(404);
  });

  it('logged no console error beyond the refusals it provoked', () => {
    expect(consoleErrors.check(browser.errors)).toEqual({ unexpected: [], missing: [] });
  });
});
