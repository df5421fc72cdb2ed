/**
 * The public issuance log on the page, in real Chromium: the log line for a logged
 * certificate, requests that carry neither the certificate's digits nor its hash, a
 * warning (never green) for a checkpoint inconsistent with one seen before, a card the log
 * does not hold (a stolen key's work), and the offline answer from what the device saw.
 */
import type { Browser, Page, Request } from 'playwright-core';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  openLogIdentity,
  publishCheckpoint,
  type LogIdentity,
} from '../../server/log/log-service.ts';
import { toBase64url, toHex } from '../../shared/bytes.ts';
import { signCertificate } from '../../shared/certificate.ts';
import { toQr } from '../../shared/qr.ts';
import { checkpointText } from '../../shared/tlog/checkpoint.ts';
import { certificateEntry, certificateLeaf } from '../../shared/tlog/entry.ts';
import { signNote } from '../../shared/tlog/note.ts';
import { watchClaims, type WatchInput } from '../../shared/watch-input.ts';
import { launchChromium, PHONE, verdictOf } from '../helpers/browser.ts';
import { signTestTrustList } from '../helpers/registry.ts';
import { listen, testService, watchBody } from '../helpers/service.ts';

const svc = testService();
const erp = svc.token(['issue'], 'erp');
let identity: LogIdentity;
let http: Awaited<ReturnType<typeof listen>>;
let browser: Browser;

async function issue(
  serial: string,
): Promise<{ link: string; digits: string; jws: string; logIndex: number }> {
  const res = await request(svc.app)
    .post('/api/v1/certificates')
    .set('Authorization', `Bearer ${erp}`)
    .send(watchBody({ serial }));
  expect(res.status).toBe(201);
  publishCheckpoint(svc.registry, identity, svc.clock.now);
  const digits = String(res.body.qr).split('#')[1]!;
  return { link: `${http.url}/#${digits}`, digits, jws: res.body.jws, logIndex: res.body.logIndex };
}

/** What a thief holding HUB's key makes: a genuine signature, never issued nor logged. */
function forgedCard(serial: string, logIndex?: number): string {
  const key = svc.registry.keys.active('HUB');
  const claims = watchClaims(watchBody({ serial, issuer: 'HUB' }) as unknown as WatchInput, {
    issuer: 'HUB',
    issuedAt: svc.clock.now,
    statusIndex: 5,
    generation: 1,
  });
  const cert = signCertificate(claims, key.kid, key.sign);
  const qr = toQr(logIndex === undefined ? cert : { ...cert, logIndex }, `${http.url}/`);
  return `${http.url}/#${qr.url.split('#')[1]}`;
}

const logLine = (page: Page, state: string) => page.locator(`#verdict [data-log="${state}"]`);

beforeAll(async () => {
  svc.clock.now = Math.floor(Date.now() / 1000) - 3600;
  identity = openLogIdentity(svc.registry, 'verify.hallmark.example/log', svc.clock.now);
  signTestTrustList(svc.registry); // the page's trust list names the log and when it started
  http = await listen(await svc.withPage());
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await http?.close();
});

describe('the public log on the page', () => {
  it('shows "Recorded in the public log" for a logged certificate; no request carries its digits or hash', async () => {
    for (let i = 0; i < 300; i++) await issue(`LOGP${String(i).padStart(5, '0')}`); // a full tile, then some
    const cert = await issue('LOGPAGE01');
    const context = await browser.newContext(PHONE);
    const page = await context.newPage();
    const requests: Request[] = [];
    page.on('request', (r) => requests.push(r));
    await page.goto(cert.link);
    await logLine(page, 'recorded').waitFor();
    const v = await verdictOf(page);
    expect(v.verdict).toBe('AUTHENTIC');
    expect(v.text).toMatch(/Recorded in the public log on \d{1,2} \w+ \d{4} \(entry 30\d\)/);
    expect(await logLine(page, 'recorded').getAttribute('data-log-index')).toBe(
      String(cert.logIndex),
    );

    const hash = certificateEntry(cert.jws).subarray(1);
    const leaf = certificateLeaf(cert.jws);
    const secrets = [
      cert.digits.slice(0, 40),
      toHex(hash),
      toBase64url(hash),
      toHex(leaf),
      cert.jws.slice(0, 60),
      'LOGPAGE01',
    ];
    const paths = requests.map((r) => new URL(r.url()).pathname + new URL(r.url()).search);
    for (const url of requests.map((r) => r.url()))
      for (const secret of secrets) expect(url.includes(secret), url).toBe(false);
    for (const r of requests)
      expect(await r.allHeaders()).not.toHaveProperty('referer', expect.stringContaining('#'));
    const logPaths = paths.filter((p) => p.startsWith('/log/'));
    expect(logPaths).toContain('/log/checkpoint');
    for (const p of logPaths)
      expect(p).toMatch(/^\/log\/(checkpoint|tile\/[0-9]\/\d{3}(\.p\/\d+)?)$/);
    await context.close();
  });

  it('a checkpoint inconsistent with the one seen before: a warning, amber, never green', async () => {
    const cert = await issue('LOGSPLIT01');
    const context = await browser.newContext(PHONE);
    const page = await context.newPage();
    await page.goto(cert.link);
    await logLine(page, 'recorded').waitFor();
    // Then this device is shown another history: validly signed by the log key, another root.
    const size = svc.registry.log.size();
    const forged = signNote(
      checkpointText({ origin: identity.origin, size, root: new Uint8Array(32).fill(3) }),
      [identity.signer],
    );
    await context.route('**/log/checkpoint', (route) =>
      route.fulfill({ status: 200, contentType: 'text/plain', body: forged }),
    );
    const again = await context.newPage();
    await again.goto(cert.link);
    await logLine(again, 'split-view').waitFor();
    const v = await verdictOf(again);
    expect(v.verdict).toBe('CHECK_ONLINE');
    expect(v.text).toContain('showed this device a history that contradicts the one it saw before');
    expect(await again.locator('#verdict').getAttribute('class')).toBe('verdict verdict--warn');
    await context.close();
  });

  it('a card signed with the brand key but not in the log (a stolen key) is amber, with or without an index', async () => {
    const context = await browser.newContext(PHONE);
    for (const link of [forgedCard('THIEF0001', 3), forgedCard('THIEF0002')]) {
      const page = await context.newPage();
      await page.goto(link);
      await logLine(page, 'missing').waitFor();
      const v = await verdictOf(page);
      expect(v.verdict).toBe('CHECK_ONLINE');
      expect(v.text).toContain('not in the brand’s public log');
    }
    await context.close();
  });

  it('offline: a certificate proved before on this device says so; another says the log could not be checked', async () => {
    const proved = await issue('LOGOFF001');
    const other = await issue('LOGOFF002');
    const context = await browser.newContext(PHONE);
    const page = await context.newPage();
    await page.goto(proved.link);
    await logLine(page, 'recorded').waitFor();
    await page.evaluate(async () => {
      await navigator.serviceWorker.ready;
    });
    await context.setOffline(true);
    const again = await context.newPage();
    await again.goto(proved.link);
    await logLine(again, 'recorded').waitFor();
    expect((await verdictOf(again)).text).toMatch(
      /Recorded in the public log \(entry \d+\): confirmed on this device on/,
    );
    const unseen = await context.newPage();
    await unseen.goto(other.link);
    await logLine(unseen, 'unchecked').waitFor();
    expect((await verdictOf(unseen)).text).toMatch(
      /The public log could not be checked now \(last seen on .*, [\d,]+ entries\)/,
    );
    await context.close();
  });
});
