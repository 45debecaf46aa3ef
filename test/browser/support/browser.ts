import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/**
 * Debian's Chromium driven by playwright-core: a fresh profile per run, headless, no network
 * chatter of its own. Every console error and uncaught page error is collected, so a test can
 * assert there were none.
 */
export const CHROMIUM = '/usr/bin/chromium';
/**
 * docs/screenshots is refreshed only when asked (KEYWARD_UPDATE_SCREENSHOTS=1): every run has
 * new ids and times, and an ordinary `npm test` must not leave the checkout modified. Otherwise
 * the same screenshots are still taken (the pages must render), into .tmp/screenshots.
 */
const ROOT = resolve(import.meta.dirname, '../../..');
export const SCREENSHOTS = process.env.KEYWARD_UPDATE_SCREENSHOTS === '1' ? join(ROOT, 'docs/screenshots') : join(ROOT, '.tmp/screenshots');

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** Whether browser tests can run here; in CI a missing Chromium is a failure, not a skip. */
export function chromiumAvailable(): boolean {
  const present = existsSync(CHROMIUM);
  if (!present && process.env.CI) throw new Error(`CI: ${CHROMIUM} is missing; .ci/run installs it with apt-get install chromium`);
  if (!present) console.warn(`Browser tests skipped: ${CHROMIUM} is not installed (apt-get install chromium).`);
  return present;
}

export interface Browser {
  context: BrowserContext;
  page: Page;
  downloads: string;
  /** Console errors and uncaught exceptions seen so far, as text. */
  errors: string[];
  close(): Promise<void>;
}

export async function openBrowser(baseUrl: string, viewport = { width: 1280, height: 800 }): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'keyward-chromium-'));
  const downloads = join(profile, 'downloads');
  mkdirSync(downloads);
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport,
    baseURL: baseUrl,
    acceptDownloads: true,
    downloadsPath: downloads,
    locale: 'en-GB',
    timezoneId: 'UTC',
  });
  const errors: string[] = [];
  const watch = (page: Page) => {
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(`console: ${message.text()}`);
    });
    page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  };
  context.on('page', watch);
  const page = context.pages()[0] ?? (await context.newPage());
  watch(page);
  page.setDefaultTimeout(15_000);
  return {
    context,
    page,
    downloads,
    errors,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** A screenshot for docs/screenshots (kept small: the viewport only, PNG). */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: false, animations: 'disabled', caret: 'hide' });
}

/** Elements that stick out past the right edge of the viewport (what makes a phone scroll sideways). */
export async function overflowing(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    return [...document.querySelectorAll('body *')]
      .filter((e) => e.getBoundingClientRect().right > width + 0.5 && !e.closest('[role="region"][tabindex="0"]'))
      .map((e) => `${e.tagName.toLowerCase()}.${String(e.className).split(' ')[0] ?? ''}: ${(e.textContent ?? '').slice(0, 40)}`);
  });
}
