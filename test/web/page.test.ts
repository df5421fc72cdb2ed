/**
 * The verification page end to end in real headless Chromium (Debian's chromium driven by
 * playwright-core), served by the real app.
 */
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import express from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signCertificate } from '../../shared/certificate.ts';
import { toQr } from '../../shared/qr.ts';
import { launchChromium, PHONE, scannerWorks, verdictOf } from '../helpers/browser.ts';
import { REPO } from '../helpers/cli.ts';
import { sampleClaims, testKey } from '../helpers/fixtures.ts';
import { listen, listenHtml, testService, watchBody } from '../helpers/service.ts';

const ARTIFACTS = join(REPO, 'test', 'artifacts');
mkdirSync(ARTIFACTS, { recursive: true });

const svc = testService();
const issueToken = svc.token(['issue', 'read']);
let http: Awaited<ReturnType<typeof listen>>;
let browser: Browser;

/** Issues through the API and returns the certificate's link on the local page. */
async function issue(
  overrides: Record<string, unknown> = {},
): Promise<{ link: string; digits: string; body: Record<string, unknown> }> {
  const res = await request(svc.app)
    .post('/api/v1/certificates')
    .set('Authorization', `Bearer ${issueToken}`)
    .send(watchBody(overrides));
  expect(res.status).toBeLessThan(300);
  const digits = String(res.body.qr).split('#')[1]!;
  return { link: `${http.url}/#${digits}`, digits, body: res.body };
}

beforeAll(async () => {
  svc.clock.now = Math.floor(Date.now() / 1000) - 3600; // the browser's clock is real time
  http = await listen(await svc.withPage());
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await http?.close();
});

describe('verdicts', () => {
  let context: BrowserContext;
  let page: Page;
  beforeAll(async () => {
    context = await browser.newContext({ ...PHONE, locale: 'en-GB' });
    page = await context.newPage();
  });
  afterAll(() => context.close());

  it('an issued certificate opens as AUTHENTIC with every claim displayed', async () => {
    const { link, body } = await issue({ serial: 'PAGE00001', model: 'Montre Café — Édition ®' });
    await page.goto(link);
    const v = await verdictOf(page);
    expect(v.verdict).toBe('AUTHENTIC');
    expect(v.text).toContain('Authentic');
    const claims = body.claims as Record<string, string>;
    for (const value of [claims.sn, claims.mdl, claims.ref, claims.cas, claims.cal, claims.iss])
      expect(v.text).toContain(value);
    expect(v.text).toContain('2 March 2026');
    expect(v.text).toContain('Compare with the serial number engraved on the caseback.');
    expect(await page.locator('[data-claim="sn"]').innerText()).toBe('PAGE00001');
    await page.screenshot({ path: join(ARTIFACTS, 'authentic-phone.png'), fullPage: true });
  });

  it('the same URL with one digit changed is NOT AUTHENTIC: altered', async () => {
    const { digits } = await issue({ serial: 'PAGE00002' });
    const i = digits.length - 20;
    const altered = digits.slice(0, i) + (digits[i] === '0' ? '1' : '0') + digits.slice(i + 1);
    await page.goto(`${http.url}/#${altered}`);
    const v = await verdictOf(page);
    expect(v).toMatchObject({ verdict: 'NOT_AUTHENTIC', code: 'SIGNATURE_INVALID' });
    expect(v.text).toContain('has been altered');
    await page.screenshot({ path: join(ARTIFACTS, 'not-authentic-phone.png'), fullPage: true });
  });

  it('a certificate signed by a key not in the trusted set: unknown signer', async () => {
    const stranger = testKey('page-stranger');
    const cert = signCertificate(sampleClaims({ iat: svc.clock.now }), stranger.kid, stranger.sign);
    const digits = toQr(cert, http.url).text.split('#')[1];
    await page.goto(`${http.url}/#${digits}`);
    const v = await verdictOf(page);
    expect(v).toMatchObject({ verdict: 'NOT_AUTHENTIC', code: 'UNKNOWN_KEY' });
    expect(v.text).toContain('unknown signer');
  });

  it('a truncated URL: damaged or incomplete', async () => {
    const { link } = await issue({ serial: 'PAGE00003' });
    await page.goto(link.slice(0, link.length - 33));
    const v = await verdictOf(page);
    expect(v).toMatchObject({ verdict: 'NOT_AUTHENTIC', code: 'MALFORMED' });
    expect(v.text).toContain('damaged or incomplete');
  });

  it('a link that is not a certificate: not a Hallmark code', async () => {
    await page.goto(`${http.url}/#hello`);
    expect(await verdictOf(page)).toMatchObject({ verdict: 'NOT_AUTHENTIC', code: 'MALFORMED' });
  });

  it('speaks French to a French browser, and switches language on request', async () => {
    const fr = await browser.newContext({ ...PHONE, locale: 'fr-CH' });
    const p = await fr.newPage();
    const { link } = await issue({ serial: 'PAGE00004' });
    await p.goto(link);
    expect((await verdictOf(p)).text).toContain('Authentique');
    // French throughout as soon as there is a verdict, whichever check drew it.
    expect(await p.locator('html').getAttribute('lang')).toBe('fr');
    expect(await p.locator('#lang').innerText()).toBe('English');
    expect(await p.locator('#camera').innerText()).toBe('Scanner avec l’appareil photo');
    expect(await p.title()).toContain('vérification');
    await p.locator('#lang').click();
    expect((await verdictOf(p)).text).toContain('Authentic');
    await fr.close();
    // Until the rest of the page has loaded, the button is inert: a tap is not taken and lost.
    const early = await browser.newContext({ ...PHONE, locale: 'fr-CH', serviceWorkers: 'block' });
    await early.route(/\/assets\/app-[^/]+\.js$/, (route) => route.abort());
    const e = await early.newPage();
    await e.goto(link);
    expect((await verdictOf(e)).text).toContain('Authentique'); // drawn by the first check
    expect(await e.evaluate(() => document.getElementById('lang')!.inert)).toBe(true);
    await early.close();
  });

  it('the verdict is announced (aria-live) and focused; the page has landmarks', async () => {
    const { link } = await issue({ serial: 'PAGE00005' });
    await page.goto(link);
    await verdictOf(page);
    expect(await page.locator('#verdict').getAttribute('aria-live')).toBe('assertive');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('verdict-title');
    expect(await page.locator('header, main, footer').count()).toBe(3);
  });

  // A new document each: the first check (web/src/boot.ts) runs when a page loads.
  it('the first check draws an authentic verdict by itself, once; the full page takes it over', async () => {
    const { link } = await issue({ serial: 'BOOT00001' });
    const page = await context.newPage();
    await page.goto(link);
    expect(await verdictOf(page)).toMatchObject({ verdict: 'AUTHENTIC', status: 'active' });
    // Drawn by the first check, from the same inputs the full check would have judged.
    expect(
      await page.evaluate(() => globalThis.hallmarkFirstCheck?.verdict.claims.sn ?? null),
    ).toBe('BOOT00001');
    // The full page loaded after it and took over: the rest of the screen is there...
    await page.locator('#again').waitFor();
    await page.locator('#ownership').waitFor();
    // ...the log line it left as "checking" is answered, and the verdict was drawn once.
    const logState = await page.evaluate(() => globalThis.hallmarkFirstCheck!.log.state);
    if (logState === 'checking') {
      await page.waitForFunction(() => performance.getEntriesByName('hallmark:log-checked').length);
      expect(await page.locator('[data-log]').getAttribute('data-log')).not.toBe('checking');
    } else expect(logState).toBe('none');
    expect(await page.evaluate(() => performance.getEntriesByName('hallmark:verdict').length)).toBe(
      1,
    );
    // The page works on: another certificate pasted is checked by the full check.
    const other = await issue({ serial: 'BOOT00002' });
    await page.fill('#paste', other.link);
    await page.click('#paste-form button[type=submit]');
    await page.locator('[data-claim="sn"]', { hasText: 'BOOT00002' }).waitFor();
  });

  it("a link's verdict is laid out and drawn alone, the scanner and footer a frame later; a plain visit shows them at once", async () => {
    const seen = await browser.newContext({ ...PHONE, locale: 'en-GB' });
    // When the verdict heading enters the page: is the rest of the page laid out yet?
    await seen.addInitScript(() => {
      new MutationObserver((_, observer) => {
        if (!document.getElementById('verdict-title')) return;
        observer.disconnect();
        const display = (selector: string) =>
          getComputedStyle(document.querySelector(selector)!).display;
        (globalThis as { atVerdict?: unknown }).atVerdict = {
          scanner: display('.scanner'),
          foot: display('.foot'),
          verdict: display('#verdict'),
        };
      }).observe(document, { childList: true, subtree: true });
    });
    const { link } = await issue({ serial: 'BOOT00004' });
    const page = await seen.newPage();
    await page.goto(link);
    expect(await verdictOf(page)).toMatchObject({ verdict: 'AUTHENTIC' });
    expect(await page.evaluate(() => (globalThis as { atVerdict?: unknown }).atVerdict)).toEqual({
      scanner: 'none',
      foot: 'none',
      verdict: 'block',
    });
    await page.locator('.scanner').waitFor({ state: 'visible' });
    await page.locator('.foot').waitFor({ state: 'visible' });
    expect(await page.evaluate(() => document.documentElement.hasAttribute('data-first'))).toBe(
      false,
    );
    // A link the first check leaves to the full check: the rest comes at once too.
    const { digits } = await issue({ serial: 'BOOT00005' });
    const declined = await seen.newPage();
    await declined.goto(`${http.url}/#${digits.slice(0, -20)}`);
    expect((await verdictOf(declined)).verdict).not.toBe('AUTHENTIC');
    await declined.locator('.scanner').waitFor({ state: 'visible' });
    // Without a link there is nothing to wait for: the scanner is there from the first frame.
    const plain = await seen.newPage();
    await plain.goto(`${http.url}/`);
    expect(await plain.evaluate(() => document.documentElement.hasAttribute('data-first'))).toBe(
      false,
    );
    expect(await plain.locator('.scanner').isVisible()).toBe(true);
    await seen.close();
  });

  it('the first check carries no strict verifier: without native Ed25519 it steps aside, and the full check decides', async () => {
    // The first check's script (written into index.html) has none of noble's curve code,
    // which the rest of the page carries.
    const html = (await request(http.server).get('/')).text;
    const firstCheck = /<script>([^]*?)<\/script>/.exec(html)![1]!;
    const P = /7f{61}ed/i; // the field prime, 2^255 - 19, as noble writes it
    // The rest of the page: every script the service worker keeps.
    const sw = (await request(http.server).get('/sw.js')).text;
    const rest = await Promise.all(
      [...new Set(sw.match(/\.\/assets\/[\w-]+\.js/g))].map(
        async (path) => (await request(http.server).get(path.slice(1))).text,
      ),
    );
    expect(firstCheck).not.toMatch(P);
    expect(rest.some((text) => P.test(text))).toBe(true);
    // A browser without Ed25519 in WebCrypto (as older ones are): the verdict all the same.
    const old = await browser.newContext({ ...PHONE, locale: 'en-GB' });
    await old.addInitScript(() => {
      const importKey = crypto.subtle.importKey.bind(crypto.subtle);
      crypto.subtle.importKey = ((...args: Parameters<SubtleCrypto['importKey']>) => {
        const algorithm = args[2] as { name?: string } | string;
        return (typeof algorithm === 'string' ? algorithm : algorithm.name) === 'Ed25519'
          ? Promise.reject(new DOMException('Unrecognized name.', 'NotSupportedError'))
          : importKey(...args);
      }) as SubtleCrypto['importKey'];
    });
    const page = await old.newPage();
    const { link } = await issue({ serial: 'BOOT00006' });
    await page.goto(link);
    expect(await verdictOf(page)).toMatchObject({ verdict: 'AUTHENTIC', status: 'active' });
    expect(await page.evaluate(() => globalThis.hallmarkFirstCheck ?? null)).toBeNull();
    await old.close();
  });

  it('the first check leaves an altered code to the full check, which says why', async () => {
    const { digits } = await issue({ serial: 'BOOT00003' });
    const page = await context.newPage();
    const i = digits.length - 30;
    const altered = digits.slice(0, i) + (digits[i] === '0' ? '1' : '0') + digits.slice(i + 1);
    await page.goto(`${http.url}/#${altered}`);
    expect(await verdictOf(page)).toMatchObject({
      verdict: 'NOT_AUTHENTIC',
      code: 'SIGNATURE_INVALID',
    });
    expect(await page.evaluate(() => globalThis.hallmarkFirstCheck ?? null)).toBeNull();
  });
});

describe('offline', () => {
  it('after one visit, a fresh certificate URL verifies with the network off, and no request carries certificate data', async () => {
    const context = await browser.newContext({ ...PHONE });
    const requests: string[] = [];
    context.on('request', (r) => requests.push(`${r.method()} ${r.url()} ${r.postData() ?? ''}`));
    let offline = false;
    const offlineFromNetwork: string[] = [];
    context.on('requestfinished', async (r) => {
      const response = await r.response();
      if (offline && response && !response.fromServiceWorker()) offlineFromNetwork.push(r.url());
    });
    const page = await context.newPage();
    const first = await issue({ serial: 'OFFLINE001' });
    await page.goto(first.link);
    expect((await verdictOf(page)).verdict).toBe('AUTHENTIC');
    await page.evaluate(async () => {
      await navigator.serviceWorker.ready;
    });
    const fresh = await issue({ serial: 'OFFLINE002', model: 'Never opened before' });
    await context.setOffline(true);
    offline = true;
    const offlinePage = await context.newPage();
    await offlinePage.goto(fresh.link);
    const v = await verdictOf(offlinePage);
    expect(v.verdict).toBe('AUTHENTIC');
    expect(v.text).toContain('Never opened before');
    // The line about the keys is the full page's, which may come after the first check's verdict.
    await offlinePage.locator('#keys-info', { hasText: /Offline/ }).waitFor({ timeout: 10_000 });
    for (const r of requests) {
      expect(r).not.toContain(first.digits.slice(0, 40));
      expect(r).not.toContain(fresh.digits.slice(0, 40));
    }
    // Everything the offline visit loaded came from the service worker's cache.
    expect(offlineFromNetwork).toEqual([]);
    // Offline too, a page another page opened moves to its isolated copy (the worker serves
    // it with the opener policy), and the opener's handle dies.
    const third = await issue({ serial: 'OFFLINE003' });
    const popup = context.waitForEvent('page');
    await offlinePage.evaluate((url) => {
      (window as { handle?: Window | null }).handle = window.open(url);
    }, third.link);
    const opened = await popup;
    await opened.waitForURL(/\/isolated\.html#/);
    expect(await verdictOf(opened)).toMatchObject({ verdict: 'AUTHENTIC' });
    expect(
      await offlinePage.evaluate(() => (window as { handle?: Window | null }).handle?.closed),
    ).toBe(true);
    expect(offlineFromNetwork).toEqual([]);
    await context.close();
  });
});

describe('updates', () => {
  it('a new build reaches a device that keeps the old one: the visit after it is deployed opens the old page and fetches the new one, the next opens it', async () => {
    // Two builds of the page (another build time: another baked script, another policy).
    const builds = [await svc.withPage()];
    await new Promise((r) => setTimeout(r, 5));
    builds.push(await svc.withPage());
    let served = builds[0]!;
    let deployed = false;
    const site = await listen(
      express().use((req, res, next) => {
        // The deploy reaches the server when the device next asks for the page itself. A
        // worker update check that Chromium runs on its own timer after a visit may come in
        // between: it reads the build that is live when it comes, the old one, not a race.
        if (deployed && req.path === '/') served = builds[1]!;
        served(req, res, next);
      }),
    );
    const policy = (html: string) =>
      /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)![1]!;
    const policies = await Promise.all(
      builds.map(async (app) => policy((await request(app).get('/')).text)),
    );
    expect(policies[0]).not.toBe(policies[1]);
    const context = await browser.newContext({ ...PHONE });
    const visit = async () => {
      const page = await context.newPage();
      await page.goto(`${site.url}/`);
      const seen = policy(await page.content());
      // The full page has done its background work, and the worker has had time to keep the
      // page it fetched behind this visit.
      await page.waitForFunction(
        () => performance.getEntriesByName('hallmark:trust-checked').length,
      );
      // The update check this visit's registration started is over before the visit ends
      // (a registration's update jobs run in turn): one still running after the deploy below
      // would fetch the new build's worker during this visit, not the next.
      await page.evaluate(async () => {
        const registration = await navigator.serviceWorker.ready;
        await registration.update();
      });
      await page.waitForTimeout(500);
      await page.close();
      return seen;
    };
    expect(await visit()).toBe(policies[0]);
    expect(await visit()).toBe(policies[0]); // from the device's copy
    deployed = true;
    expect(await visit()).toBe(policies[0]); // at once, from the device; refreshed behind it
    expect(served).toBe(builds[1]); // that visit asked for the page: the new build answered
    expect(await visit()).toBe(policies[1]);
    await context.close();
    await site.close();
  });
});

describe('security', () => {
  it('a model name that is markup is displayed literally and runs nothing', async () => {
    const context = await browser.newContext({ ...PHONE });
    const page = await context.newPage();
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    const { link } = await issue({ serial: 'XSS000001', model: '<img src=x onerror=alert(1)>' });
    await page.goto(link);
    expect((await verdictOf(page)).verdict).toBe('AUTHENTIC');
    expect(await page.locator('[data-claim="mdl"]').innerText()).toBe(
      '<img src=x onerror=alert(1)>',
    );
    expect(await page.locator('#verdict img').count()).toBe(0);
    await page.waitForLoadState('load'); // every resource settled: an onerror would have fired
    expect(dialogs).toEqual([]);
    await context.close();
  });

  it('the CSP header is present and blocks an injected inline script', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const response = await page.goto(`${http.url}/`);
    const csp = response!.headers()['content-security-policy']!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe');
    // Inline code is allowed by hash only: the page's own script (the first check) and its
    // style, nothing else.
    const html = await response!.text();
    const digest = (text: string) =>
      `'sha256-${createHash('sha256').update(text).digest('base64')}'`;
    const scripts = [...html.matchAll(/<script>([^]*?)<\/script>/g)].map((m) => m[1]!);
    expect(scripts).toHaveLength(1);
    const style = /<style>([^]*?)<\/style>/.exec(html)![1]!;
    expect(csp).toContain(`script-src 'self' ${digest(scripts[0]!)};`);
    expect(csp).toContain(`style-src 'self' ${digest(style)};`);
    expect(csp.match(/'sha256-/g)).toHaveLength(2);
    const violated = await page.evaluate(
      () =>
        new Promise<{ inline: unknown; violation: string }>((resolve) => {
          document.addEventListener('securitypolicyviolation', (e) =>
            resolve({
              inline: (window as unknown as { __inline?: unknown }).__inline,
              violation: e.violatedDirective,
            }),
          );
          const s = document.createElement('script');
          s.textContent = 'window.__inline = 1';
          document.body.append(s);
        }),
    );
    expect(violated).toEqual({ inline: undefined, violation: 'script-src-elem' });
    await context.close();
  });
});

describe('a page another site opened (window.open)', () => {
  /** Another origin's page (another port): the shop that opens the certificate's link. */
  let shop: Awaited<ReturnType<typeof listenHtml>>;
  beforeAll(async () => {
    shop = await listenHtml('<!doctype html><title>A shop</title><p>Our watches</p>');
  });
  afterAll(() => shop?.close());

  it('an ordinary visit has no opener policy; the isolated copy is the same page with one', async () => {
    const plain = await request(http.server).get('/');
    const isolated = await request(http.server).get('/isolated.html');
    expect(plain.headers['cross-origin-opener-policy']).toBeUndefined();
    expect(isolated.headers['cross-origin-opener-policy']).toBe('same-origin');
    expect(isolated.headers['content-security-policy']).toBe(
      plain.headers['content-security-policy'],
    );
    expect(isolated.text).toBe(plain.text);
    // What else the service serves outside its API keeps helmet's policy.
    const jwks = await request(http.server).get('/.well-known/jwks.json');
    expect(jwks.headers['cross-origin-opener-policy']).toBe('same-origin');
  });

  it('moves at once to its isolated copy: the verdict shows there, and the opener holds a dead handle', async () => {
    const context = await browser.newContext({ ...PHONE });
    const opener = await context.newPage();
    await opener.goto(shop.url);
    const { link, digits } = await issue({ serial: 'OPENER001' });
    const popup = context.waitForEvent('page');
    await opener.evaluate((url) => {
      (window as { handle?: Window | null }).handle = window.open(url);
    }, link);
    const page = await popup;
    await page.waitForURL(/\/isolated\.html#/);
    expect(page.url()).toBe(`${http.url}/isolated.html#${digits}`);
    expect(await verdictOf(page)).toMatchObject({ verdict: 'AUTHENTIC', status: 'active' });
    expect(await page.evaluate(() => window.opener)).toBeNull();
    // The shop can no longer reach the tab: its handle is a closed window, and sending it
    // elsewhere does nothing.
    expect(await opener.evaluate(() => (window as { handle?: Window | null }).handle?.closed)).toBe(
      true,
    );
    await opener.evaluate(() => {
      try {
        (window as { handle?: Window | null }).handle!.location.href = 'about:blank#taken';
      } catch {
        // a dead handle may also throw
      }
    });
    await page.waitForTimeout(300);
    expect(page.url()).toBe(`${http.url}/isolated.html#${digits}`);
    expect(context.pages()).toHaveLength(2);
    await context.close();
  });

  it('a visit opened by a link (no opener) stays where it is', async () => {
    const context = await browser.newContext({ ...PHONE });
    const opener = await context.newPage();
    await opener.goto(shop.url);
    const { link } = await issue({ serial: 'OPENER002' });
    const popup = context.waitForEvent('page');
    // Links opening a new tab have no opener (noopener is the browsers' default).
    await opener.evaluate((url) => {
      const a = document.createElement('a');
      a.href = url;
      a.target = '_blank';
      document.body.append(a);
      a.click();
    }, link);
    const page = await popup;
    expect(await verdictOf(page)).toMatchObject({ verdict: 'AUTHENTIC' });
    expect(page.url()).toBe(link);
    await context.close();
  });
});

describe('the built-in scanner', () => {
  it('an uploaded PNG of a certificate QR (rendered by our server) leads to the verdict', async () => {
    const { body } = await issue({ serial: 'SCAN00001', model: 'Scanned from a photo' });
    const png = await request(svc.app)
      .get('/api/v1/certificates/SCAN00001/qr.png?scale=6')
      .set('Authorization', `Bearer ${issueToken}`)
      .buffer(true);
    const context = await browser.newContext({ ...PHONE });
    const page = await context.newPage();
    await page.goto(`${http.url}/`);
    await scannerWorks(page);
    await page
      .locator('#photo')
      .setInputFiles({ name: 'card.png', mimeType: 'image/png', buffer: png.body });
    const v = await verdictOf(page);
    expect(v.verdict).toBe('AUTHENTIC');
    expect(v.text).toContain('Scanned from a photo');
    expect(body.serial).toBe('SCAN00001');
    await context.close();
  });

  it('pasting the link works too', async () => {
    const { body } = await issue({ serial: 'PASTE0001' });
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${http.url}/`);
    await page.locator('#paste').fill(String(body.qr));
    await page.locator('#paste-form button').click();
    expect((await verdictOf(page)).verdict).toBe('AUTHENTIC');
    await context.close();
  });
});
