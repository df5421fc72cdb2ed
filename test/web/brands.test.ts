/**
 * Brands on the page, in real Chromium: one page verifies every brand on the trust list and
 * names the brand from the list; a key used outside its brand is NOT AUTHENTIC; a served list
 * that the root did not sign (changed name, added key, no or another signature) is ignored and
 * the page keeps the last list that verified; a new brand reaches pages through a new list,
 * which a replayed older list cannot undo; all of it offline after one visit. A key reported
 * stolen reaches a page that holds the older list on its background refresh: it checks again.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import express from 'express';
import type { Browser, Page } from 'playwright-core';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toBase64url, utf8 } from '../../shared/bytes.ts';
import { signCertificate } from '../../shared/certificate.ts';
import { toQr } from '../../shared/qr.ts';
import {
  canonicalTrustListJson,
  signTrustList,
  type TrustListPayload,
} from '../../shared/trust-list.ts';
import { launchChromium, PHONE, verdictOf } from '../helpers/browser.ts';
import { REPO } from '../helpers/cli.ts';
import { sampleClaims, testKey } from '../helpers/fixtures.ts';
import { addTestBrand, signTestTrustList } from '../helpers/registry.ts';
import { listen, testService, watchBody } from '../helpers/service.ts';

const ARTIFACTS = join(REPO, 'test', 'artifacts');
mkdirSync(ARTIFACTS, { recursive: true });

const svc = testService();
addTestBrand(svc.registry, 'ZEN', { name: 'Zenith' });
const baked = signTestTrustList(svc.registry); // the list the page is built with
const operator = svc.token(['issue'], 'operator', '*');
let http: Awaited<ReturnType<typeof listen>>;
let browser: Browser;
/** When set, served instead of the registry's trust list (what a compromised host can do). */
let servedList: string | undefined;

async function issue(body: Record<string, unknown>): Promise<string> {
  const res = await request(svc.app)
    .post('/api/v1/certificates')
    .set('Authorization', `Bearer ${operator}`)
    .send(watchBody(body));
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return `${http.url}/#${String(res.body.qr).split('#')[1]}`;
}

/** A certificate signed outside the registry, with `key`, as a page link. */
function forged(
  claims: Parameters<typeof sampleClaims>[0],
  key: { kid: string; sign: (b: Uint8Array) => Uint8Array },
) {
  const cert = signCertificate(sampleClaims({ iat: svc.clock.now, ...claims }), key.kid, key.sign);
  return `${http.url}/#${toQr(cert, http.url).text.split('#')[1]}`;
}

const trustSeq = (page: Page) =>
  page.locator('[data-trust-seq]').first().getAttribute('data-trust-seq');

/** The baked list with its payload changed but its signature kept. */
function tampered(change: (p: TrustListPayload) => TrustListPayload): string {
  const [h, p, s] = baked.jws.split('.') as [string, string, string];
  const payload = JSON.parse(Buffer.from(p, 'base64url').toString()) as TrustListPayload;
  return `${h}.${toBase64url(utf8(canonicalTrustListJson(change(payload))))}.${s}`;
}

beforeAll(async () => {
  svc.clock.now = Math.floor(Date.now() / 1000) - 3600; // the browser's clock is real time
  const outer = express();
  outer.get('/.well-known/hallmark-trust-list.jwt', (_req, res, next) => {
    if (servedList === undefined) return next();
    res.set('Cache-Control', 'no-cache').type('application/jwt').send(servedList);
  });
  outer.use(await svc.withPage());
  http = await listen(outer as never);
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await http?.close();
});

describe('brands on the page', () => {
  it('one page verifies every brand, naming each from the trust list', async () => {
    const context = await browser.newContext({ ...PHONE, locale: 'en-GB' });
    const page = await context.newPage();
    await page.goto(
      await issue({ serial: 'ZEN0000001', issuer: 'ZEN', model: 'Chronomaster Sport' }),
    );
    const zen = await verdictOf(page);
    expect(zen.verdict).toBe('AUTHENTIC');
    expect(zen.text).toContain('Signed by Zenith.');
    expect(zen.text).toContain('Zenith (ZEN)');
    await page.screenshot({ path: join(ARTIFACTS, 'brand-zenith-phone.png'), fullPage: true });
    await page.goto(await issue({ serial: 'HUB0000001' }));
    const hub = await verdictOf(page);
    expect(hub.verdict).toBe('AUTHENTIC');
    expect(hub.text).toContain('Signed by Hublot.');
    expect(await page.locator('#keys-info').innerText()).toMatch(/trust list of/);
    await context.close();
  });

  it("Zenith's key signing a Hublot certificate: NOT AUTHENTIC, a key outside its brand", async () => {
    const context = await browser.newContext({ ...PHONE, locale: 'en-GB' });
    const page = await context.newPage();
    await page.goto(forged({ iss: 'HUB', sn: 'HB99F0000001' }, svc.registry.keys.active('ZEN')));
    const v = await verdictOf(page);
    expect(v).toMatchObject({ verdict: 'NOT_AUTHENTIC', code: 'KEY_NOT_FOR_BRAND' });
    expect(v.text).toContain('does not belong to the brand it names');
    expect(v.text).not.toContain('Hublot');
    await page.screenshot({ path: join(ARTIFACTS, 'brand-forgery-phone.png'), fullPage: true });
    await context.close();
  });

  it('a served list the root did not sign changes nothing: the page keeps the last list that verified', async () => {
    const attacker = testKey('attacker');
    const attackerX = toBase64url(attacker.publicKey);
    const otherRoot = testKey('another root');
    const lists: Record<string, string> = {
      'changed name': tampered((p) => ({
        ...p,
        seq: p.seq + 1,
        brands: p.brands.map((b) => (b.code === 'ZEN' ? { ...b, name: 'Zenith Fake' } : b)),
      })),
      'added key': tampered((p) => ({
        ...p,
        seq: p.seq + 1,
        brands: p.brands.map((b) =>
          b.code === 'HUB' ? { ...b, keys: [...b.keys, { x: attackerX, nbf: 0 }] } : b,
        ),
      })),
      'no signature': `${baked.jws.slice(0, baked.jws.lastIndexOf('.'))}.`,
      'another root': signTrustList(
        {
          ...JSON.parse(Buffer.from(baked.jws.split('.')[1]!, 'base64url').toString()),
          seq: baked.payload.seq + 5,
          brands: [{ code: 'HUB', name: 'Hublot', keys: [{ x: attackerX, nbf: 0 }] }],
        },
        otherRoot.kid,
        otherRoot.sign,
      ),
    };
    const zenLink = await issue({ serial: 'ZEN0000002', issuer: 'ZEN' });
    const attackerLink = forged({ iss: 'HUB', sn: 'HB99F0000002' }, attacker);
    try {
      for (const [name, list] of Object.entries(lists)) {
        servedList = list;
        const context = await browser.newContext({ ...PHONE, locale: 'en-GB' });
        const page = await context.newPage();
        await page.goto(attackerLink);
        const v = await verdictOf(page);
        expect(v, name).toMatchObject({ verdict: 'NOT_AUTHENTIC', code: 'UNKNOWN_KEY' });
        await page.goto(zenLink);
        const zen = await verdictOf(page);
        expect(zen.verdict, name).toBe('AUTHENTIC');
        expect(zen.text, name).toContain('Signed by Zenith.');
        expect(await trustSeq(page), name).toBe(String(baked.payload.seq));
        await context.close();
      }
    } finally {
      servedList = undefined;
    }
  });

  it('a new brand reaches the page through a new list; a replayed older list cannot take it back, offline either', async () => {
    const context = await browser.newContext({ ...PHONE, locale: 'en-GB' });
    const page = await context.newPage();
    await page.goto(http.url);
    expect(await trustSeq(page)).toBe(String(baked.payload.seq));
    addTestBrand(svc.registry, 'NEWB', { name: 'Nouvelle Maison' });
    const fresh = signTestTrustList(svc.registry);
    const link = await issue({ serial: 'NEWB000001', issuer: 'NEWB' });
    await page.goto(link);
    const v = await verdictOf(page);
    expect(v.verdict).toBe('AUTHENTIC');
    expect(v.text).toContain('Signed by Nouvelle Maison.');
    expect(await trustSeq(page)).toBe(String(fresh.payload.seq));
    // The host replays the list the page was built with: refused, the newer one stays.
    servedList = baked.jws;
    try {
      const again = await context.newPage();
      await again.goto(link);
      expect((await verdictOf(again)).verdict).toBe('AUTHENTIC');
      await again.waitForFunction(
        () => performance.getEntriesByName('hallmark:trust-checked').length > 0,
      );
      expect(await trustSeq(again)).toBe(String(fresh.payload.seq));
    } finally {
      servedList = undefined;
    }
    await context.setOffline(true);
    const offline = await context.newPage();
    await offline.goto(link);
    const off = await verdictOf(offline);
    expect(off.verdict).toBe('AUTHENTIC');
    expect(off.text).toContain('Signed by Nouvelle Maison.');
    await context.close();
  });

  it('a key reported stolen reaches a page that still holds the older list: a backdated forgery turns NOT AUTHENTIC there', async () => {
    addTestBrand(svc.registry, 'STOL', { name: 'Maison Volée' });
    signTestTrustList(svc.registry);
    const key = svc.registry.keys.active('STOL');
    const iat = Math.floor(Date.now() / 1000) - 3000;
    const link = forged({ iss: 'STOL', sn: 'STOL000001', iat }, key);
    const context = await browser.newContext(PHONE);
    const page = await context.newPage();
    await page.goto(link);
    // Before the theft is known the thief's signature verifies (amber: the brand's status list
    // has no entry for it), never red; the page now holds that list.
    expect((await verdictOf(page)).verdict).toBe('CHECK_ONLINE');
    svc.registry.keys.markCompromised(key.kid, iat + 600, iat + 3000);
    const reported = signTestTrustList(svc.registry);
    const again = await context.newPage();
    await again.goto(link);
    // The first verdict comes from the list held; the background refresh brings the report,
    // the page checks again and asks the brand's registry, which never issued the card.
    await again.locator('#verdict-title[data-code="KEY_COMPROMISED"]').waitFor({ timeout: 10_000 });
    const v = await verdictOf(again);
    expect(v.verdict).toBe('NOT_AUTHENTIC');
    expect(v.text).toContain('the brand did not issue it');
    expect(await trustSeq(again)).toBe(String(reported.payload.seq));
    await context.close();
  });
});
