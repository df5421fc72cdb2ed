/** The page and certificate status in real Chromium: stolen online and offline, forged lists, the retailer check. */
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Browser, Page } from 'playwright-core';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, PHONE, verdictOf } from '../helpers/browser.ts';
import { REPO } from '../helpers/cli.ts';
import { listen, testService, watchBody } from '../helpers/service.ts';

const svc = testService({ brands: ['ZEN'] });
const erp = svc.token(['issue'], 'erp');
const admin = svc.token(['admin'], 'admin');
let http: Awaited<ReturnType<typeof listen>>;
let browser: Browser;

async function issue(serial: string): Promise<{ link: string; body: Record<string, unknown> }> {
  const res = await request(svc.app)
    .post('/api/v1/certificates')
    .set('Authorization', `Bearer ${erp}`)
    .send(watchBody({ serial }));
  return { link: `${http.url}/#${String(res.body.qr).split('#')[1]}`, body: res.body };
}
const reportStolen = (serial: string) =>
  request(svc.app)
    .post(`/api/v1/certificates/${serial}/stolen`)
    .set('Authorization', `Bearer ${admin}`)
    .send({ reason: 'police report' });

beforeAll(async () => {
  svc.clock.now = Math.floor(Date.now() / 1000) - 3600;
  http = await listen(await svc.withPage());
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await http?.close();
});

/** Whether the page itself loaded fflate's chunk (the service worker's fetches are not the page's). */
const loadedFflate = async (page: Page) =>
  (
    await page.evaluate(() => performance.getEntriesByType('resource').map((entry) => entry.name))
  ).some((url) => /\/assets\/gunzip-fallback-[^/]+\.js$/.test(url));

describe('status on the page', () => {
  it('online: an active certificate says so with the list date; a stolen one is REPORTED STOLEN in red', async () => {
    const context = await browser.newContext(PHONE);
    const page = await context.newPage();
    const active = await issue('STAT00001');
    await page.goto(active.link);
    expect(await verdictOf(page)).toMatchObject({ verdict: 'AUTHENTIC', status: 'active' });
    const stolen = await issue('STAT00002');
    expect((await reportStolen('STAT00002')).status).toBe(200);
    const second = await context.newPage(); // a new page: the same page would only see a hash change
    await second.goto(stolen.link);
    const v = await verdictOf(second);
    expect(v.verdict).toBe('REPORTED_STOLEN');
    expect(v.text).toContain('reported stolen');
    expect(await second.locator('#verdict').getAttribute('class')).toContain('verdict--bad');
    await second.screenshot({
      path: join(REPO, 'test', 'artifacts', 'stolen-phone.png'),
      fullPage: true,
    });
    await context.close();
  });

  it('a browser without DecompressionStream (Safari before 16.4) reads lists all the same: the full check inflates them with fflate, loaded then', async () => {
    const context = await browser.newContext(PHONE);
    await context.addInitScript(() => {
      delete (globalThis as { DecompressionStream?: unknown }).DecompressionStream;
    });
    const active = await issue('STAT00022');
    const stolen = await issue('STAT00023');
    await reportStolen('STAT00023');
    const page = await context.newPage();
    await page.goto(active.link);
    expect(await verdictOf(page)).toMatchObject({ verdict: 'AUTHENTIC', status: 'active' });
    expect(await page.evaluate(() => typeof DecompressionStream)).toBe('undefined');
    // The first check carries no fflate: it stepped aside, and the full check loaded it.
    expect(await page.evaluate(() => globalThis.hallmarkFirstCheck ?? null)).toBeNull();
    expect(await loadedFflate(page)).toBe(true);
    const second = await context.newPage();
    await second.goto(stolen.link);
    expect(await verdictOf(second)).toMatchObject({ verdict: 'REPORTED_STOLEN', status: 'stolen' });
    await context.close();
  });

  it('browsers with DecompressionStream inflate lists with it: fflate is neither in the first check nor loaded, only kept for offline use', async () => {
    const html = (await request(http.server).get('/')).text;
    const firstCheck = /<script>([^]*?)<\/script>/.exec(html)![1]!;
    const fflate = /invalid gzip data/; // fflate's own words, in its chunk
    const sw = (await request(http.server).get('/sw.js')).text;
    const chunk = /\.\/(assets\/gunzip-fallback-[\w-]+\.js)/.exec(sw)?.[1];
    expect(chunk, 'the service worker keeps fflate for offline use').toBeDefined();
    expect((await request(http.server).get(`/${chunk}`)).text).toMatch(fflate);
    expect(firstCheck).not.toMatch(fflate);
    const context = await browser.newContext(PHONE);
    const page = await context.newPage();
    const { link } = await issue('STAT00024');
    await page.goto(link);
    expect(await verdictOf(page)).toMatchObject({ verdict: 'AUTHENTIC', status: 'active' });
    await page.locator('#again').waitFor(); // the full page has loaded too
    expect(await page.evaluate(() => globalThis.hallmarkFirstCheck?.status.state)).toBe('active');
    expect(await loadedFflate(page)).toBe(false);
    await context.close();
  });

  it('the first check asks for the status list before the body is parsed; with a slow list nothing green is drawn, only REPORTED STOLEN once it comes', async () => {
    const context = await browser.newContext(PHONE);
    // What enters the page, as it enters: every verdict heading; and where the parser was when
    // the page asked for the list.
    await context.addInitScript(() => {
      const seen = { verdicts: [] as string[], bodyAtFetch: [] as boolean[] };
      (globalThis as { seen?: typeof seen }).seen = seen;
      const fetch = globalThis.fetch;
      globalThis.fetch = (...args) => {
        if (/\/status\//.test(String(args[0]))) seen.bodyAtFetch.push(document.body !== null);
        return fetch(...args);
      };
      new MutationObserver((records) => {
        for (const record of records)
          for (const node of record.addedNodes) {
            if (!(node instanceof Element)) continue;
            for (const heading of [node, ...node.querySelectorAll('[data-verdict]')])
              if (heading.hasAttribute('data-verdict'))
                seen.verdicts.push(heading.getAttribute('data-verdict')!);
          }
      }).observe(document, { childList: true, subtree: true });
    });
    // The list takes 600 ms to come, as on a slow network.
    await context.route('**/status/*.jwt', async (route) => {
      await new Promise((resolve) => setTimeout(resolve, 600));
      await route.continue();
    });
    const stolen = await issue('STAT00031');
    expect((await reportStolen('STAT00031')).status).toBe(200);
    const page = await context.newPage();
    await page.goto(stolen.link);
    expect(await verdictOf(page)).toMatchObject({ verdict: 'REPORTED_STOLEN', status: 'stolen' });
    const { seen, painted } = await page.evaluate(async () => ({
      seen: (globalThis as { seen?: { verdicts: string[]; bodyAtFetch: boolean[] } }).seen!,
      // Element Timing: every heading marked `elementtiming` that the browser painted.
      painted: await new Promise<(string | null)[]>((resolve) => {
        new PerformanceObserver((entries) =>
          resolve(
            entries
              .getEntries()
              .map(
                (e) =>
                  (e as PerformanceEntry & { element: Element | null }).element?.getAttribute(
                    'data-verdict',
                  ) ?? null,
              ),
          ),
        ).observe({ type: 'element', buffered: true });
      }),
    }));
    // Asked for once, by the first check in the head, before the parser reached the body.
    expect(seen.bodyAtFetch).toEqual([false]);
    // One verdict drawn and painted, the red one: nothing green before it.
    expect(seen.verdicts).toEqual(['REPORTED_STOLEN']);
    expect(painted).toEqual(['REPORTED_STOLEN']);
    await context.close();
  });

  it('offline with the cached list: still REPORTED STOLEN, with the list date', async () => {
    const context = await browser.newContext(PHONE);
    const page = await context.newPage();
    const first = await issue('STAT00003');
    const stolen = await issue('STAT00004');
    await reportStolen('STAT00004');
    await page.goto(first.link); // loads the page, the keys and the status list once
    await verdictOf(page);
    await page.evaluate(async () => {
      await navigator.serviceWorker.ready;
    });
    await context.setOffline(true);
    const offline = await context.newPage();
    await offline.goto(stolen.link);
    const v = await verdictOf(offline);
    expect(v.verdict).toBe('REPORTED_STOLEN');
    expect(v.status).toBe('stolen');
    expect(v.text).toMatch(/Status as of \d{1,2} \w+ \d{4}/);
    await context.close();
  });

  it('offline, two brands: each watch is read in its own brand’s kept list, stolen or active', async () => {
    const zenErp = svc.token(['issue'], 'zen-erp', ['ZEN']);
    const zenAdmin = svc.token(['admin'], 'zen-admin', ['ZEN']);
    const zen = async (serial: string) => {
      const res = await request(svc.app)
        .post('/api/v1/certificates')
        .set('Authorization', `Bearer ${zenErp}`)
        .send(watchBody({ serial, issuer: 'ZEN' }));
      expect(res.status).toBe(201);
      return `${http.url}/#${String(res.body.qr).split('#')[1]}`;
    };
    const hubActive = await issue('STAT00011');
    const zenStolen = await zen('STAT00012');
    const zenActive = await zen('STAT00013');
    expect(
      (
        await request(svc.app)
          .post('/api/v1/certificates/STAT00012/stolen?issuer=ZEN')
          .set('Authorization', `Bearer ${zenAdmin}`)
          .send({ reason: 'police report' })
      ).status,
    ).toBe(200);
    const context = await browser.newContext(PHONE);
    for (const link of [hubActive.link, zenActive]) {
      const page = await context.newPage(); // online: each brand's list 0 is fetched and kept
      await page.goto(link);
      expect(await verdictOf(page)).toMatchObject({ verdict: 'AUTHENTIC', status: 'active' });
      await page.evaluate(async () => {
        await navigator.serviceWorker.ready;
      });
    }
    await context.setOffline(true);
    for (const [link, verdict, status] of [
      [hubActive.link, 'AUTHENTIC', 'active'],
      [zenStolen, 'REPORTED_STOLEN', 'stolen'],
    ] as const) {
      const page = await context.newPage();
      await page.goto(link);
      expect(await verdictOf(page)).toMatchObject({ verdict, status });
    }
    await context.close();
  });

  it('offline with no saved list: amber "genuine card, status unknown", never green', async () => {
    const context = await browser.newContext(PHONE);
    const page = await context.newPage();
    await page.goto(`${http.url}/`);
    await page.evaluate(async () => {
      await navigator.serviceWorker.ready;
    });
    await context.setOffline(true);
    const cert = await issue('STAT00005');
    const offline = await context.newPage();
    await offline.goto(cert.link);
    const v = await verdictOf(offline);
    expect(v).toMatchObject({ verdict: 'CHECK_ONLINE', status: 'unchecked' });
    expect(v.text).toContain('the theft register could not be checked');
    expect(await offline.locator('#verdict').getAttribute('class')).toBe('verdict verdict--warn');
    await offline.screenshot({
      path: join(REPO, 'test', 'artifacts', 'status-unknown-phone.png'),
      fullPage: true,
    });
    await context.close();
  });

  it('a validly signed list of another number, or of another brand, served in its place is refused', async () => {
    const stolen = await issue('STAT00016');
    await reportStolen('STAT00016');
    const { statusLists } = await import('../../server/status/status-lists.ts');
    const lists = statusLists(svc.registry);
    // A second list of HUB's (every entry active) and ZEN's first list: both validly signed.
    svc.registry.db
      .prepare(
        "INSERT INTO status_lists (id, size, multiplier, \"offset\", brand, permutation) VALUES (90, 1048576, 0, 0, 'HUB', 'feistel-v1')",
      )
      .run();
    const zen = svc.token(['issue'], 'zen-erp', ['ZEN']);
    const zenCert = await request(svc.app)
      .post('/api/v1/certificates')
      .set('Authorization', `Bearer ${zen}`)
      .send(watchBody({ serial: 'ZSTAT0001', issuer: 'ZEN' }));
    const zenList = Math.floor(zenCert.body.statusIndex / 1048576);
    for (const [name, jws] of [
      ['another list of HUB', lists.build(90)!.jws],
      ["ZEN's list", lists.build(zenList)!.jws],
    ] as const) {
      const context = await browser.newContext(PHONE);
      await context.route('**/status/*.jwt', (route) =>
        route.fulfill({ status: 200, contentType: 'application/statuslist+jwt', body: jws }),
      );
      const page = await context.newPage();
      await page.goto(stolen.link);
      const v = await verdictOf(page);
      expect(v.status, name).toBe('unverifiable');
      expect(v.verdict, name).toBe('CHECK_ONLINE');
      expect(v.text, name).not.toContain('Status: active');
      await context.close();
    }
  });

  it('a replayed older list (from before the theft report) cannot turn a stolen watch active again', async () => {
    const cert = await issue('STAT00020');
    const listUrl = `${http.url}/status/${Math.floor(Number(cert.body.statusIndex) / 1048576)}.jwt`;
    const before = await (await fetch(listUrl)).text(); // active, signed, genuine
    svc.clock.now += 60;
    await reportStolen('STAT00020');
    const context = await browser.newContext(PHONE);
    const page = await context.newPage();
    await page.goto(cert.link);
    expect((await verdictOf(page)).verdict).toBe('REPORTED_STOLEN');
    await context.route('**/status/*.jwt', (route) =>
      route.fulfill({ status: 200, contentType: 'application/statuslist+jwt', body: before }),
    );
    const replayed = await context.newPage();
    await replayed.goto(cert.link);
    const v = await verdictOf(replayed);
    expect(v.verdict).toBe('REPORTED_STOLEN');
    expect(v.status).toBe('stolen');
    await context.close();
  });

  it('an altered or unsigned status list is rejected: "could not check the status", never "active"', async () => {
    const stolen = await issue('STAT00006');
    await reportStolen('STAT00006');
    for (const tamper of ['altered', 'unsigned'] as const) {
      const context = await browser.newContext(PHONE);
      await context.route('**/status/*.jwt', async (route) => {
        const real = await (await fetch(route.request().url())).text();
        const [h, p, s] = real.split('.') as [string, string, string];
        const payload = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<
          string,
          unknown
        >;
        // A forger's list: every entry active (the gzip of zeros), with or without the old signature.
        payload.lst_gz = Buffer.from(
          gzipSync(new Uint8Array((payload.size as number) / 4)),
        ).toString('base64url');
        const forged = Buffer.from(JSON.stringify(payload)).toString('base64url');
        await route.fulfill({
          status: 200,
          contentType: 'application/statuslist+jwt',
          body: tamper === 'altered' ? `${h}.${forged}.${s}` : `${h}.${forged}.`,
        });
      });
      const page = await context.newPage();
      await page.goto(stolen.link);
      const v = await verdictOf(page);
      expect(v.status).toBe('unverifiable');
      expect(v.verdict).toBe('CHECK_ONLINE');
      expect(await page.locator('#verdict').getAttribute('class')).not.toContain('verdict--ok');
      expect(v.text).toContain('Could not check the status');
      expect(v.text).not.toContain('Status: active');
      await context.close();
    }
  });

  it('a list signed by the brand whose bits inflate beyond their size, are cut short or are followed by other bytes is refused: never active', async () => {
    const stolen = await issue('STAT00021');
    await reportStolen('STAT00021');
    const { signCompactJws } = await import('../../shared/jws.ts');
    const key = svc.registry.keys.active('HUB');
    for (const tamper of ['too long', 'cut short', 'bytes after'] as const) {
      const context = await browser.newContext(PHONE);
      await context.route('**/status/*.jwt', async (route) => {
        const real = await (await fetch(route.request().url())).text();
        const [h, p] = real.split('.') as [string, string, string];
        const payload = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<
          string,
          unknown
        >;
        const size = (payload.size as number) / 4;
        const zeros = gzipSync(new Uint8Array(size + 4096));
        payload.lst_gz = Buffer.from(
          tamper === 'too long'
            ? zeros
            : tamper === 'cut short'
              ? zeros.subarray(0, zeros.length >> 1)
              : // A whole list of zeros ("active"), with a second gzip member after it.
                Buffer.concat([gzipSync(new Uint8Array(size)), gzipSync(new Uint8Array(8))]),
        ).toString('base64url');
        payload.iat = (payload.iat as number) + 1;
        const header = JSON.parse(Buffer.from(h, 'base64url').toString()) as Record<string, string>;
        await route.fulfill({
          status: 200,
          contentType: 'application/statuslist+jwt',
          body: signCompactJws(
            { alg: 'Ed25519', kid: key.kid, typ: header.typ! },
            JSON.stringify(payload),
            key.sign,
          ),
        });
      });
      const page = await context.newPage();
      await page.goto(stolen.link);
      const v = await verdictOf(page);
      expect(v.status, tamper).toBe('unverifiable');
      expect(v.verdict, tamper).toBe('CHECK_ONLINE');
      expect(v.text, tamper).not.toContain('Status: active');
      await context.close();
    }
  });

  it('the retailer ownership check shows the number of owners on request', async () => {
    const cert = await issue('STAT00007');
    const { code } = (
      await request(svc.app)
        .post('/api/v1/certificates/STAT00007/claim-code')
        .set('Authorization', `Bearer ${erp}`)
    ).body;
    await request(svc.app).post('/api/v1/ownership/claim').send({ serial: 'STAT00007', code });
    const context = await browser.newContext(PHONE);
    const page = await context.newPage();
    await page.goto(cert.link);
    await verdictOf(page);
    await page.locator('#ownership-check').click();
    await page.locator('[data-owners]').waitFor();
    expect(await page.locator('[data-owners]').innerText()).toBe('1');
    await context.close();
  });
});
