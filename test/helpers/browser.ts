/** Debian's Chromium driven by playwright-core (never a downloaded browser). */
import { chromium, type Browser, type Page } from 'playwright-core';

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
