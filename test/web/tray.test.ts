/**
 * The retailer's tray check, in real Chromium: codes of several brands read one after another
 * (pasted, as a USB scanner types them) each add a row with brand, serial, model, verdict,
 * status and owners; no brand is chosen; a watch read twice is flagged on both rows; a forgery
 * is NOT AUTHENTIC; the list exports as CSV that a spreadsheet cannot run; French; and offline,
 * each watch is still verified and its status read from the lists kept on the device.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderPng } from '../../server/qr/render.ts';
import { statusService } from '../../server/status/status-service.ts';
import { fromBase64url } from '../../shared/bytes.ts';
import { signCertificate } from '../../shared/certificate.ts';
import { toQr, type QrForm } from '../../shared/qr.ts';
import { REPO } from '../helpers/cli.ts';
import { sampleClaims, testKey } from '../helpers/fixtures.ts';
import { cspViolations, launchChromium, PHONE } from '../helpers/browser.ts';
import { addTestBrand, signTestTrustList } from '../helpers/registry.ts';
import { listen, testService, watchBody } from '../helpers/service.ts';

const ARTIFACTS = join(REPO, 'test', 'artifacts');
const dir = mkdtempSync(join(tmpdir(), 'hallmark-tray-'));
const sig = (jws: string) => fromBase64url(jws.split('.')[2]!);
const svc = testService();
addTestBrand(svc.registry, 'ZEN', { name: 'Zenith' });
signTestTrustList(svc.registry);
const operator = svc.token(['issue'], 'operator', '*');
let http: Awaited<ReturnType<typeof listen>>;
let browser: Browser;
const links: Record<string, string> = {};

async function issue(name: string, body: Record<string, unknown>) {
  const res = await request(svc.app)
    .post('/api/v1/certificates')
    .set('Authorization', `Bearer ${operator}`)
    .send(watchBody(body));
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  links[name] = `${http.url}/#${String(res.body.qr).split('#')[1]}`;
}

interface RowView {
  verdict: string | null;
  status: string | null;
  serial: string | null;
  duplicate: string | null;
  owners: string | null;
  cells: string[];
}
const rowsOf = (page: Page): Promise<RowView[]> =>
  page.locator('#tray-table tbody tr').evaluateAll((trs) =>
    trs.map((tr) => ({
      verdict: tr.getAttribute('data-verdict'),
      status: tr.getAttribute('data-status'),
      serial: tr.getAttribute('data-serial'),
      duplicate: tr.getAttribute('data-duplicate'),
      owners: tr.getAttribute('data-owners'),
      cells: [...tr.children].map((c) => (c.textContent ?? '').trim()),
    })),
  );

async function openTray(page: Page): Promise<void> {
  await page.goto(`${http.url}/`);
  await page.locator('#tray-open').click();
  await page.locator('#tray-table').waitFor();
}

async function paste(page: Page, lines: string[], expected: number): Promise<RowView[]> {
  await page.locator('#tray-text').fill(lines.join('\n'));
  await page.locator('#tray-add').click();
  await page.waitForFunction(
    (n) => document.querySelectorAll('#tray-table tbody tr').length === n,
    expected,
  );
  return rowsOf(page);
}

beforeAll(async () => {
  svc.clock.now = Math.floor(Date.now() / 1000) - 3600; // the browser's clock is real time
  http = await listen(await svc.withPage());
  browser = await launchChromium();
  await issue('active', { serial: 'TRAY00001', issuer: 'HUB', model: '=HYPERLINK("x")' });
  await issue('stolen', { serial: 'TRAY00002', issuer: 'HUB' });
  await issue('zenith', { serial: 'TRAYZEN01', issuer: 'ZEN', model: 'Chronomaster' });
  statusService(svc.registry).change('HUB', 'TRAY00002', 'stolen', 'test');
  // A copy whose model was changed: the signature no longer matches.
  const [base, digits] = links.active!.split('#') as [string, string];
  links.forged = `${base}#${digits.slice(0, 60)}${digits[60] === '1' ? '2' : '1'}${digits.slice(61)}`;
});
afterAll(async () => {
  await browser?.close();
  await http?.close();
});

describe('the tray check', () => {
  let context: Awaited<ReturnType<Browser['newContext']>>;

  it('adds a row per code, any brand, flags a watch read twice and a forgery; exports CSV', async () => {
    context = await browser.newContext({ ...PHONE, acceptDownloads: true });
    const violations = cspViolations(context);
    const page = await context.newPage();
    await openTray(page);
    // Opening moves the focus to the tray's heading (keyboard and screen-reader users).
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('tray-title');
    const rows = await paste(
      page,
      [links.active!, links.stolen!, links.zenith!.split('#')[1]!, links.forged!, links.active!],
      5,
    );
    expect(rows.map((r) => [r.verdict, r.status, r.serial, r.duplicate])).toEqual([
      ['AUTHENTIC', 'active', 'TRAY00001', 'true'],
      ['REPORTED_STOLEN', 'stolen', 'TRAY00002', 'false'],
      ['AUTHENTIC', 'active', 'TRAYZEN01', 'false'],
      ['NOT_AUTHENTIC', 'unchecked', '', 'false'],
      ['AUTHENTIC', 'active', 'TRAY00001', 'true'],
    ]);
    // Owners come from each brand's registry when online: none registered yet.
    expect(rows[0]!.owners).toBe('0');
    expect(rows[2]!.cells[1]).toBe('Zenith (ZEN)');
    expect(rows[2]!.cells[3]).toBe('Chronomaster');
    expect(rows[4]!.cells[7]).toMatch(/Scanned twice/);
    expect(await page.locator('#tray-count').innerText()).toBe('5 watches checked');
    // The last row is announced to screen readers.
    expect(await page.locator('#tray-status').innerText()).toBe('Watch 5: TRAY00001, Authentic.');
    // Claims are text: the model is shown as written, nothing ran.
    expect(rows[0]!.cells[3]).toBe('=HYPERLINK("x")');

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.locator('#tray-csv').click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^hallmark-tray-\d{4}-\d{2}-\d{2}\.csv$/);
    const csv = readFileSync((await download.path())!, 'utf8');
    const lines = csv
      .replace(/^\ufeff/, '')
      .trimEnd()
      .split('\r\n');
    expect(lines[0]).toBe(
      'n,brand,brand_name,serial,model,reference,verdict,code,status,status_as_of,owners,duplicate',
    );
    expect(lines).toHaveLength(6);
    // A spreadsheet reads the model as text, never as a formula.
    expect(lines[1]).toContain('"\'=HYPERLINK(""x"")"');
    expect(lines[2]).toMatch(
      /^"2","HUB","Hublot","TRAY00002",.*"REPORTED_STOLEN","","stolen","20\d\d-/,
    );
    expect(lines[4]).toMatch(/^"4","","","","","","NOT_AUTHENTIC","[A-Z_]+",""/);
    expect(lines[5]).toMatch(/,"true"$/);

    // French, on the switch: the table is relabelled.
    await page.locator('#lang').click();
    expect(await page.locator('#tray-count').innerText()).toBe('5 montres contrôlées');
    expect(await page.locator('#tray-table thead').innerText()).toContain('Numéro de série');
    await page.locator('#lang').click();
    await page.locator('#tray-clear').click();
    expect(await page.locator('#tray-table tbody tr').count()).toBe(0);
    await page.evaluate(async () => {
      await navigator.serviceWorker.ready;
    });
    expect(violations).toEqual([]); // the camera, downloads and all under the strict CSP
    await page.close();
  });

  it('a tray of 20 QR images (photos), 3 of them stolen or forged: the rows and the CSV say which', async () => {
    const images = join(dir, 'tray');
    mkdirSync(images, { recursive: true });
    const expected: [string, string][] = [];
    for (let i = 1; i <= 20; i++) {
      const serial = `TRAYIMG${String(i).padStart(2, '0')}`;
      let qr: QrForm;
      if (i === 13) {
        // A forgery: a well-made card signed by a key that is on no trust list.
        const key = testKey('counterfeiter');
        qr = toQr(
          signCertificate(sampleClaims({ sn: serial, iat: svc.clock.now }), key.kid, key.sign),
          `${http.url}/`,
        );
        expected.push([serial, 'NOT_AUTHENTIC']);
      } else {
        const res = await request(svc.app)
          .post('/api/v1/certificates')
          .set('Authorization', `Bearer ${operator}`)
          .send(watchBody({ serial, issuer: i % 2 ? 'HUB' : 'ZEN' }));
        expect(res.status).toBe(201);
        qr = toQr(
          {
            claims: res.body.claims,
            kid: res.body.kid,
            signature: sig(res.body.jws),
            logIndex: res.body.logIndex,
          },
          `${http.url}/`,
        );
        if (i === 4 || i === 17) {
          statusService(svc.registry).change(i % 2 ? 'HUB' : 'ZEN', serial, 'stolen', 'test');
          expected.push([serial, 'REPORTED_STOLEN']);
        } else expected.push([serial, 'AUTHENTIC']);
      }
      writeFileSync(join(images, `${String(i).padStart(2, '0')}.png`), await renderPng(qr));
    }
    const page = await (await browser.newContext({ ...PHONE, acceptDownloads: true })).newPage();
    await openTray(page);
    await page.locator('#tray-photos').setInputFiles(
      readdirSync(images)
        .sort()
        .map((f) => join(images, f)),
    );
    await page.waitForFunction(
      () => document.querySelectorAll('#tray-table tbody tr').length === 20,
      undefined,
      { timeout: 60_000 },
    );
    const rows = await rowsOf(page);
    // The forgery has no trusted brand: its row names no serial.
    expect(rows.map((r) => [r.serial || 'TRAYIMG13', r.verdict])).toEqual(expected);
    await page.locator('#tray').screenshot({ path: join(ARTIFACTS, 'tray-phone.png') });
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.locator('#tray-csv').click(),
    ]);
    const csv = readFileSync((await download.path())!, 'utf8').replace(/^\ufeff/, '');
    const verdicts = csv
      .trimEnd()
      .split('\r\n')
      .slice(1)
      .map((line) => line.split(',')[6]!.replace(/"/g, ''));
    expect(verdicts).toEqual(expected.map(([, v]) => v));
    await page.context().close();
  });

  it('offline: every watch is still verified, its status read from the kept lists with their date', async () => {
    await context.setOffline(true);
    const page = await context.newPage();
    await openTray(page);
    const rows = await paste(page, [links.stolen!, links.zenith!, links.active!], 3);
    expect(rows.map((r) => [r.verdict, r.status, r.owners])).toEqual([
      ['REPORTED_STOLEN', 'stolen', null],
      ['AUTHENTIC', 'active', null],
      ['AUTHENTIC', 'active', null],
    ]);
    expect(rows[0]!.cells[5]).toMatch(/^stolen \(as of \d{1,2} \w+ \d{4} at \d\d:\d\d\)$/);
    expect(rows[1]!.cells[6]).toBe('not asked');
    await context.close();
  });
});
