/** Debian's Chromium driven by playwright-core (never a downloaded browser). */
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
  });
}

/** A phone-sized viewport (iPhone 14-like). */
export const PHONE = {
  viewport: { width: 390, height: 844 },
  deviceScaleFactor: 2,
  isMobile: true,
  hasTouch: true,
};

/** The verdict on screen, once there is one: its machine-readable verdict and code, and its text. */
export async function verdictOf(
  page: Page,
): Promise<{ verdict: string | null; code: string | null; text: string; status: string | null }> {
  const title = page.locator('#verdict-title');
  await title.waitFor();
  const status = page.locator('#verdict [data-status]');
  return {
    verdict: await title.getAttribute('data-verdict'),
    code: await title.getAttribute('data-code'),
    text: (await page.locator('#verdict').innerText()).replace(/\s+/g, ' '),
    status: (await status.count()) > 0 ? await status.first().getAttribute('data-status') : null,
  };
}

/**
 * Collects every Content-Security-Policy violation in a browser context's pages (Chromium
 * reports each on the console): a feature that needs something the strict CSP forbids shows
 * up here, even if the page seems to work.
 */
export function cspViolations(context: BrowserContext): string[] {
  const violations: string[] = [];
  context.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
  });
  return violations;
}

/**
 * Waits until the page's scanner controls work, as a person would: they are placed inert and
 * released once the full page has wired them (web/src/scanner-controls.ts). A file set before
 * then would fire a change nobody listens to yet.
 */
export async function scannerWorks(page: Page): Promise<void> {
  await page.waitForFunction(
    () => document.querySelector<HTMLElement>('.scanner')?.inert === false,
  );
}
