import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, startServer, type TestServer } from '../support/server.js';
import { chromiumAvailable, openBrowser, overflowing, screenshot, type Browser } from './support/browser.js';
import { ensureWebBuilt } from './support/build.js';
import { ConsoleExpectations } from './support/console.js';

/**
 * The admin center in real Chromium, without key routes: sign-in, the operator's tenant set-up,
 * a tenant admin's environments, the session (sessionStorage only, deep links), keyboard use,
 * phone width. Key flows are in key-flows.test.ts.
 */
const available = chromiumAvailable();
let server: TestServer;
let api: ReturnType<typeof client>;
let browser: Browser;
const consoleErrors = new ConsoleExpectations();

beforeAll(async () => {
  if (!available) return;
  await ensureWebBuilt();
  server = await startServer();
  api = client(server.url);
  browser = await openBrowser(server.url);
});
afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe.skipIf(!available)('admin center', () => {
  let tenantId = '';
  let adminToken = '';
  let salesId = '';

  it('signs the operator in with the keyboard, keeping the token in sessionStorage only', async () => {
    const { page } = browser;
    await page.goto('/');
    await page.getByRole('heading', { name: 'Keyward admin center' }).waitFor();
    await screenshot(page, 'sign-in');
    await page.getByLabel('Access token').focus();
    await page.keyboard.type(server.operatorToken);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Choose a tenant' }).waitFor();
    const storage = await page.evaluate(() => ({ session: sessionStorage.getItem('keyward.token'), local: localStorage.length }));
    expect(storage).toEqual({ session: server.operatorToken, local: 0 });
  });

  it('the operator creates a tenant, turns customer-managed keys on and adds a global admin', async () => {
    const { page } = browser;
    await page.getByLabel('Tenant name').fill('Contoso');
    await page.getByLabel('Licensed seats').fill('1500');
    await page.getByLabel('Regions').fill('eu, us');
    await page.getByRole('button', { name: 'Create tenant' }).click();
    await page.getByRole('heading', { name: 'Environments' }).waitFor();
    await page.getByText('No environments yet').waitFor();

    await page.getByRole('link', { name: 'Tenant', exact: true }).click();
    await page.getByRole('heading', { name: 'Contoso' }).waitFor();
    tenantId = (await page.getByRole('definition').first().textContent()) ?? '';
    expect(tenantId).toMatch(/^ten_/);
    await page.getByRole('button', { name: 'Turn on customer-managed keys' }).click();
    await page.getByText('Enabled. Only environments created after this').waitFor();
    expect((await api('GET', `/v1/tenants/${tenantId}`, { token: server.operatorToken })).body.cmkEnabled).toBe(true);

    await page.getByRole('button', { name: 'Add a person' }).click();
    await page.getByLabel('E-mail').fill('admin@contoso.test');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    adminToken = await page.getByTestId('created-token').inputValue();
    expect(adminToken).toMatch(/^kw_/);
    await page.getByRole('button', { name: 'Done' }).click();
    // Focus goes back to the button that opened the dialog, and the page is not left hidden.
    await expect.poll(() => page.evaluate(() => document.activeElement?.textContent)).toBe('Add a person');
    await screenshot(page, 'tenant');

    await page.getByRole('link', { name: 'Switch tenant' }).click();
    await page.getByRole('button', { name: `Contoso (${tenantId})` }).waitFor();
    await screenshot(page, 'tenant-picker');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Access token').waitFor();
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
  });

  it("a tenant admin opens the tenant by id; an unknown id shows the server's detail", async () => {
    const { page } = browser;
    await page.getByLabel('Access token').fill(adminToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByLabel('Tenant ID').fill('ten_doesnotexist');
    consoleErrors.expectRefusal(404);
    await page.getByRole('button', { name: 'Open' }).click();
    await page.locator('[data-problem-code="NOT_FOUND"]').waitFor();
    await page.getByLabel('Tenant ID').fill(tenantId);
    await page.getByLabel('Tenant ID').press('Enter');
    await page.getByRole('heading', { name: 'Environments' }).waitFor();
    await expect.poll(() => page.getByTestId('current-tenant').textContent()).toBe('Tenant: Contoso');
  });

  it('creates environments in a dialog that Escape closes, and lists them with their encryption', async () => {
    const { page } = browser;
    const newButton = page.getByRole('button', { name: 'New environment' });
    await newButton.click();
    await page.getByRole('dialog', { name: 'New environment' }).waitFor();
    await page.keyboard.press('Escape');
    await page.getByRole('dialog').waitFor({ state: 'detached' });
    await expect.poll(() => newButton.evaluate((b) => b === document.activeElement)).toBe(true);

    for (const [name, region, type] of [
      ['Sales', 'eu', 'production'],
      ['Sandbox', 'us', 'sandbox'],
    ] as const) {
      await newButton.click();
      const dialog = page.getByRole('dialog', { name: 'New environment' });
      await dialog.getByLabel('Name').fill(name);
      await dialog.getByLabel('Region').selectOption(region);
      await dialog.getByLabel('Type').selectOption(type);
      await dialog.getByRole('button', { name: 'Create' }).click();
      await page.getByRole('link', { name, exact: true }).waitFor();
    }
    const sales = page.locator('tr', { has: page.getByRole('link', { name: 'Sales', exact: true }) });
    await expect.poll(() => sales.textContent()).toContain('Provider-managed key');
    expect(await sales.textContent()).toContain('Ready');
    salesId = (await sales.getAttribute('data-environment-id')) ?? '';
    const listed = await api('GET', `/v1/tenants/${tenantId}/environments`, { token: adminToken });
    expect(listed.body.items.map((e: { name: string }) => e.name).sort()).toEqual(['Sales', 'Sandbox']);
    await screenshot(page, 'environments');
  });

  it("shows an environment's details and Environment encryption section, also from a deep link", async () => {
    const { page } = browser;
    await page.getByRole('link', { name: 'Sales', exact: true }).click();
    await page.getByRole('heading', { name: 'Sales', level: 1 }).waitFor();
    // The page's heading takes focus, so keyboard users start on the new page.
    await expect.poll(() => page.evaluate(() => document.activeElement?.tagName)).toBe('H1');
    const encryption = page.getByRole('region', { name: 'Environment encryption' });
    await expect.poll(() => encryption.textContent()).toContain('Provider-managed key');
    await screenshot(page, 'environment-details');

    // A reload or a link opened in a new tab: the server answers index.html, the session survives in this tab.
    await page.goto(`/environments/${salesId}`);
    await page.getByRole('heading', { name: 'Sales', level: 1 }).waitFor();
    await page.goBack();
    await page.getByRole('heading', { name: 'Environments' }).waitFor();
  });

  it('is usable at phone width: nothing wider than the screen, tables scroll in their own box', async () => {
    const { page } = browser;
    await page.setViewportSize({ width: 375, height: 812 });
    await page.goto('/environments');
    await page.getByRole('link', { name: 'Sales', exact: true }).waitFor();
    expect(await overflowing(page)).toEqual([]);
    await screenshot(page, 'environments-phone');
    await page.getByRole('link', { name: 'Sales', exact: true }).click();
    await page.getByRole('heading', { name: 'Sales', level: 1 }).waitFor();
    expect(await overflowing(page)).toEqual([]);
    await screenshot(page, 'environment-details-phone');
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('logged no console error beyond the refusals it provoked', () => {
    expect(consoleErrors.check(browser.errors)).toEqual({ unexpected: [], missing: [] });
  });
});
