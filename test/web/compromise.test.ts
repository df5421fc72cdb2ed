/**
 * A stolen brand key, in Chromium. The page refuses what the key signed after the theft; for a
 * card dated before it, it asks the brand's registry: a card the brand issued is confirmed, a
 * card the thief backdated is NOT AUTHENTIC, and with no network it stays amber, never green.
 */
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signCertificate } from '../../shared/certificate.ts';
import { toQr } from '../../shared/qr.ts';
import { launchChromium, PHONE, verdictOf } from '../helpers/browser.ts';
import { REPO } from '../helpers/cli.ts';
import { sampleClaims } from '../helpers/fixtures.ts';
import { signTestTrustList } from '../helpers/registry.ts';
import { listen, testService, watchBody } from '../helpers/service.ts';

const svc = testService();
let http: Awaited<ReturnType<typeof listen>>;
let browser: Browser;
let genuine: string;
let since: number;
const stolen = svc.registry.keys.active('HUB');

const link = (qr: string) => `${http.url}/#${qr.split('#')[1]}`;
const forged = (iat: number, sn: string) =>
  link(
    toQr(signCertificate(sampleClaims({ iat, sn }), stolen.kid, stolen.sign), 'https://x.example/')
      .text,
  );

beforeAll(async () => {
  svc.clock.now = Math.floor(Date.now() / 1000) - 7200;
  const erp = svc.token(['issue']);
  genuine = (
    await request(svc.app)
      .post('/api/v1/certificates')
      .set('Authorization', `Bearer ${erp}`)
      .send(watchBody({ serial: 'GENUINE001' }))
  ).body.qr;
  svc.clock.now += 3600;
  since = svc.clock.now - 600;
  svc.registry.keys.markCompromised(stolen.kid, since, svc.clock.now);
  signTestTrustList(svc.registry);
  http = await listen(await svc.withPage());
  genuine = link(genuine);
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await http?.close();
});

describe('a stolen brand key on the page', () => {
  it('a card the thief signed after the theft is NOT AUTHENTIC', async () => {
    const context = await browser.newContext(PHONE);
    const page = await context.newPage();
    await page.goto(forged(since + 60, 'HB99C0000001'));
    expect(await verdictOf(page)).toMatchObject({
      verdict: 'NOT_AUTHENTIC',
      code: 'KEY_COMPROMISED',
    });
    await context.close();
  });

  it('a card the thief backdated is NOT AUTHENTIC: the brand never issued it', async () => {
    const context = await browser.newContext(PHONE);
    const page = await context.newPage();
    const asked: string[] = [];
    page.on('request', (r) => {
      if (r.url().endsWith('/api/v1/check')) asked.push(r.method());
    });
    await page.goto(forged(since - 3000, 'HB99C0000002'));
    const v = await verdictOf(page);
    expect(v).toMatchObject({ verdict: 'NOT_AUTHENTIC', code: 'KEY_COMPROMISED' });
    expect(v.text).toContain('the brand did not issue it');
    // The background trust list refresh finds the same list: the verdict stays on screen (no
    // "Checking…" in between) and the registry is asked once, not again.
    await page.waitForFunction(
      () => performance.getEntriesByName('hallmark:trust-checked').length > 0,
    );
    await page.waitForLoadState('networkidle');
    expect(asked).toEqual(['POST']);
    expect((await verdictOf(page)).text).toContain('the brand did not issue it');
    await context.close();
  });

  it("the brand's own card from before the theft is confirmed online, and amber offline", async () => {
    const context = await browser.newContext(PHONE);
    const page = await context.newPage();
    await page.goto(genuine);
    const online = await verdictOf(page);
    expect(online.verdict).toBe('AUTHENTIC');
    expect(online.text).toContain('the brand’s registry confirms this card');
    await page.evaluate(async () => {
      await navigator.serviceWorker.ready;
    });
    await context.setOffline(true);
    const offline = await context.newPage();
    await offline.goto(genuine);
    const v = await verdictOf(offline);
    expect(v.verdict).toBe('CHECK_ONLINE');
    expect(v.text).toContain('only the brand’s registry can confirm this card');
    await offline.screenshot({
      path: join(REPO, 'test', 'artifacts', 'compromised-key-offline-phone.png'),
      fullPage: true,
    });
    await context.close();
  });
});
