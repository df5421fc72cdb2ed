/**
 * Owners on the page, in real Chromium, with two browser contexts as two phones:
 * - the buyer claims the watch with the code from the box; the key is shown once and kept on
 *   the phone, which then says "You are the registered owner (owner #1 since …)" on every scan;
 * - the hand-over at the counter: the seller's page shows a QR code; an image of it (decoded
 *   independently by zbarimg first) is fed to the buyer's scanner; the buyer takes ownership;
 * - the old owner is refused, by the page and by the API;
 * - a lost key recovered by e-mail, through a real SMTP server started here;
 * - a wrong code, a stolen watch; French.
 * Phone screenshots of each screen go to test/artifacts/.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statusService } from '../../server/status/status-service.ts';
import {
  cspViolations,
  launchChromium,
  PHONE,
  scannerWorks,
  verdictOf,
} from '../helpers/browser.ts';
import { REPO } from '../helpers/cli.ts';
import { listen, testService, watchBody } from '../helpers/service.ts';
import { zbarDecode } from '../helpers/zbar.ts';
import { startSmtp } from '../helpers/smtp.ts';
import { smtpMailer } from '../../server/mail/mailer.ts';

const ARTIFACTS = join(REPO, 'test', 'artifacts');
mkdirSync(ARTIFACTS, { recursive: true });
const dir = mkdtempSync(join(tmpdir(), 'hallmark-owners-'));
const smtp = await startSmtp();
const svc = testService({ mailer: smtpMailer(smtp.url, 'no-reply@verify.hallmark.example') });
const erp = svc.token(['issue'], 'erp');
let http: Awaited<ReturnType<typeof listen>>;
let browser: Browser;
let seller: BrowserContext;
let buyer: BrowserContext;
let link: string;
let boxCode: string;
let sellerKey: string;
const violations: string[][] = [];

async function issue(serial: string): Promise<string> {
  const res = await request(svc.app)
    .post('/api/v1/certificates')
    .set('Authorization', `Bearer ${erp}`)
    .send(watchBody({ serial }));
  expect(res.status).toBe(201);
  return `${http.url}/#${String(res.body.qr).split('#')[1]}`;
}
async function claimCode(serial: string): Promise<string> {
  const res = await request(svc.app)
    .post(`/api/v1/certificates/${serial}/claim-code`)
    .set('Authorization', `Bearer ${erp}`);
  expect(res.status).toBe(201);
  return res.body.code as string;
}
const shot = (page: Page, name: string) =>
  page.screenshot({ path: join(ARTIFACTS, `${name}-phone.png`), fullPage: true });

async function open(context: BrowserContext, url: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(url);
  expect((await verdictOf(page)).verdict).toBe('AUTHENTIC');
  return page;
}

beforeAll(async () => {
  svc.clock.now = Math.floor(Date.now() / 1000) - 3600; // the browser's clock is real time
  http = await listen(await svc.withPage());
  browser = await launchChromium();
  seller = await browser.newContext(PHONE);
  buyer = await browser.newContext(PHONE);
  violations.push(cspViolations(seller), cspViolations(buyer));
  link = await issue('OWNPAGE01');
  boxCode = await claimCode('OWNPAGE01');
});
afterAll(async () => {
  await browser?.close();
  await http?.close();
  await smtp.close();
});

describe('owners on the page', () => {
  it('a wrong code is refused; the code from the box registers the owner, whose key is shown once and kept', async () => {
    const page = await open(seller, link);
    await page.locator('#owner-claim').click();
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('owner-code');
    await page.locator('#owner-code').fill('ABCDE-FGHJK-MNPQR-STVWX');
    await page.locator('#owner-submit').click();
    await expect
      .poll(() => page.locator('#owner-note').innerText(), { timeout: 10_000 })
      .toBe('This code does not match this watch.');
    await page.locator('#owner-code').fill(boxCode.toLowerCase()); // as typed by a person
    await page.locator('#owner-email').fill('first.owner@example.com');
    await page.locator('#owner-submit').click();
    sellerKey = await page.locator('#owner-key').innerText();
    expect(sellerKey).toMatch(/^own_[A-Za-z0-9_-]{32}$/);
    expect(await page.locator('#owner-line').getAttribute('data-owner')).toBe('1');
    await shot(page, 'owner-claimed');
    await page.locator('#owner-key-done').click();
    // Every later scan on this phone: the owner line, and no key on screen.
    const again = await open(seller, link);
    await again.locator('#owner-line').waitFor();
    expect(await again.locator('#owner-line').innerText()).toMatch(
      /^You are the registered owner \(owner #1 since \d{1,2} \w+ 20\d\d\)\.$/,
    );
    expect(await again.locator('#owner-key').count()).toBe(0);
    // The other phone is not the owner: it is offered the claim, not the owner line.
    const other = await open(buyer, link);
    await other.locator('#owner-claim').waitFor();
    expect(await other.locator('#owner-line').count()).toBe(0);
    await other.close();
  });

  it('the hand-over: the seller’s QR, scanned from an image by the buyer’s page, makes the buyer the owner; the seller is refused', async () => {
    const page = await open(seller, link);
    await page.locator('#owner-handover').click();
    const canvas = page.locator('#owner-handover-qr');
    await canvas.waitFor();
    await shot(page, 'owner-handover');
    const shown = await page.locator('#owner-handover-link').innerText();
    const image = await canvas.screenshot();
    // An independent decoder reads exactly the link the page shows.
    expect(zbarDecode(image)).toEqual([shown]);
    const file = join(dir, 'handover.png');
    writeFileSync(file, image);

    // The buyer's phone: the page's own scanner, fed the image of the seller's screen.
    const scan = await buyer.newPage();
    await scan.goto(`${http.url}/`);
    await scannerWorks(scan);
    await scan.locator('#photo').setInputFiles(file);
    expect((await verdictOf(scan)).verdict).toBe('AUTHENTIC');
    await scan.locator('#owner-take-lead').waitFor();
    await shot(scan, 'owner-take');
    await scan.locator('#owner-take').click();
    await scan.locator('#owner-key').waitFor();
    expect(await scan.locator('#owner-line').getAttribute('data-owner')).toBe('2');
    await scan.locator('#owner-key-done').click();
    await shot(scan, 'owner-new');

    // The seller's key died: the seller's page finds out when it tries, and forgets it.
    const old = await open(seller, link);
    await old.locator('#owner-handover').click();
    await old.locator('#owner-claim').waitFor();
    expect(await old.locator('#owner-note').innerText()).toMatch(/no longer works/);
    await shot(old, 'owner-refused');
    // The API agrees: no transfer with the old key, whoever asks.
    const stale = await request(svc.app)
      .post('/api/v1/ownership/transfer')
      .send({ serial: 'OWNPAGE01', ownerKey: sellerKey });
    expect(stale.status).toBe(403);
    // The hand-over code works once: a second scan of the same image cannot claim again.
    const twice = await buyer.newPage();
    await twice.goto(shown);
    await twice.locator('#owner-line').waitFor(); // the buyer's phone is the owner now
    const third = await browser.newContext(PHONE);
    const stranger = await open(third, shown);
    await stranger.locator('#owner-take').click();
    await expect
      .poll(() => stranger.locator('#owner-note').innerText(), { timeout: 10_000 })
      .toMatch(/does not match|already has a registered owner/);
    await third.close();
  });

  it('a lost key: recovery by e-mail through a real SMTP server, on a new phone; the old key dies', async () => {
    const lostLink = await issue('OWNPAGE03');
    const code = await claimCode('OWNPAGE03');
    const claimed = await request(svc.app)
      .post('/api/v1/ownership/claim')
      .send({ serial: 'OWNPAGE03', code, email: 'lost.key@example.com' });
    expect(claimed.status).toBe(201);
    const phone = await browser.newContext(PHONE); // the old phone is gone
    const page = await open(phone, lostLink);
    await page.locator('#owner-recover').click();
    await page.locator('#owner-recover-email').fill('lost.key@example.com');
    await page.locator('#owner-recover-submit').click();
    await expect
      .poll(() => page.locator('#owner-note').innerText(), { timeout: 10_000 })
      .toMatch(/a link has been sent to it/);
    await shot(page, 'owner-recovery-asked');
    const mail = await smtp.next('lost.key@example.com');
    const token = /#recover=(rec_[A-Za-z0-9_-]{32})/.exec(mail.text)![1]!;
    // The link opens the page (here on the test's own address) and fetches the new key.
    const recovered = await phone.newPage();
    await recovered.goto(`${http.url}/#recover=${token}`);
    await recovered.locator('#owner-recovered').waitFor();
    const key = await recovered.locator('#owner-key').innerText();
    expect(key).toMatch(/^own_/);
    expect(recovered.url()).not.toContain(token); // not kept in the history
    await shot(recovered, 'owner-recovered');
    const again = await open(phone, lostLink);
    await again.locator('#owner-line').waitFor();
    expect(await again.locator('#owner-line').getAttribute('data-owner')).toBe('1');
    const old = await request(svc.app)
      .post('/api/v1/ownership/transfer')
      .send({ serial: 'OWNPAGE03', ownerKey: claimed.body.ownerKey });
    expect(old.status).toBe(403);
    await phone.close();
  });

  it('a stolen watch cannot be claimed; the owner’s part speaks French', async () => {
    const stolenLink = await issue('OWNPAGE02');
    const code = await claimCode('OWNPAGE02');
    const page = await seller.newPage();
    await page.goto(stolenLink);
    await page.locator('#owner-claim').click();
    statusService(svc.registry).change('HUB', 'OWNPAGE02', 'stolen', 'test');
    await page.locator('#owner-code').fill(code);
    await page.locator('#owner-submit').click();
    await expect
      .poll(() => page.locator('#owner-note').innerText(), { timeout: 10_000 })
      .toMatch(/not active/);
    const fr = await open(buyer, link);
    await fr.locator('#owner-line').waitFor();
    await fr.locator('#lang').click();
    await expect
      .poll(() => fr.locator('#owner-line').innerText(), { timeout: 10_000 })
      .toMatch(/^Vous êtes le propriétaire enregistré \(propriétaire n° 2 depuis le /);
  });

  it('all of it under the strict CSP: no violation on either phone', () => {
    expect(violations.flat()).toEqual([]);
  });
});
