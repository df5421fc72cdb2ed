/**
 * `hallmark check --file <list>` (a real CLI process against a real service on 127.0.0.1): a
 * tray of certificates of two brands, no brand named; statuses read from the brands' signed
 * status lists; owners from the service; a watch listed twice, a forgery, a card signed with a
 * brand's key but never issued; the table, CSV and JSON forms; the exit codes.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statusService } from '../../server/status/status-service.ts';
import { signCertificate } from '../../shared/certificate.ts';
import { toQr } from '../../shared/qr.ts';
import { watchClaims, type WatchInput } from '../../shared/watch-input.ts';
import { hallmarkAsync } from '../helpers/cli.ts';
import { addTestBrand, ROOT_JWKS, signTestTrustList } from '../helpers/registry.ts';
import { freePort, listen, testService, watchBody } from '../helpers/service.ts';

const dir = mkdtempSync(join(tmpdir(), 'hallmark-check-file-'));
const svc = testService();
addTestBrand(svc.registry, 'ZEN', { name: 'Zenith' });
const operator = svc.token(['issue'], 'operator', '*');
let http: Awaited<ReturnType<typeof listen>>;
const certs: Record<string, { link: string; digits: string; jws: string }> = {};
let unissued: string;
const files = { trust: join(dir, 'trust-list.jwt'), root: join(dir, 'root.jwks.json') };

async function issue(name: string, serial: string, issuer: string) {
  const res = await request(svc.app)
    .post('/api/v1/certificates')
    .set('Authorization', `Bearer ${operator}`)
    .send(watchBody({ serial, issuer }));
  expect(res.status).toBe(201);
  certs[name] = {
    link: res.body.qr as string,
    digits: String(res.body.qr).split('#')[1]!,
    jws: res.body.jws as string,
  };
}

const check = (list: string, extra: string[] = [], url = `${http.url}/`) => {
  const file = join(dir, `list-${Math.random().toString(36).slice(2)}.txt`);
  writeFileSync(file, list);
  return hallmarkAsync(
    [
      'check',
      '--file',
      file,
      '--trust-list',
      files.trust,
      '--root',
      files.root,
      '--url',
      url,
      ...extra,
    ],
    { cwd: dir },
  );
};

beforeAll(async () => {
  // Real time: the CLI judges the status lists' age by its own clock.
  svc.clock.now = Math.floor(Date.now() / 1000) - 3600;
  writeFileSync(files.trust, signTestTrustList(svc.registry).jws);
  writeFileSync(files.root, JSON.stringify(ROOT_JWKS));
  http = await listen(svc.app);
  await issue('active', 'FILE00001', 'HUB');
  await issue('stolen', 'FILE00002', 'HUB');
  await issue('zenith', 'FILEZEN01', 'ZEN');
  statusService(svc.registry).change('HUB', 'FILE00002', 'stolen', 'test');
  // HUB's real key, but a card the registry never issued (a leaked key used elsewhere).
  const key = svc.registry.keys.active('HUB');
  const claims = watchClaims(watchBody({ serial: 'NEVERISSUED1' }) as unknown as WatchInput, {
    issuer: 'HUB',
    issuedAt: svc.clock.now,
    statusIndex: 3,
    generation: 1,
  });
  unissued = toQr(signCertificate(claims, key.kid, key.sign), 'https://verify.example/').text;
});
afterAll(async () => {
  await http?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('hallmark check --file', () => {
  const tray = () =>
    [
      '# tray 7, Monday',
      certs.active!.link,
      certs.stolen!.digits,
      '',
      certs.zenith!.jws,
      'not a certificate',
      unissued,
      certs.active!.link,
    ].join('\n');

  it('checks every line, any brand; flags a watch listed twice, a forgery and a card never issued (JSON)', async () => {
    const run = await check(tray(), ['--json']);
    expect(run.stderr).toBe('');
    const rows = JSON.parse(run.stdout) as Record<string, unknown>[];
    expect(
      rows.map((r) => [
        r.line,
        r.verdict,
        r.code ?? null,
        r.serial ?? null,
        r.status ?? null,
        r.owners ?? null,
        r.duplicate,
      ]),
    ).toEqual([
      [2, 'AUTHENTIC', null, 'FILE00001', 'active', 0, true],
      [3, 'REPORTED_STOLEN', null, 'FILE00002', 'stolen', 0, false],
      [5, 'AUTHENTIC', null, 'FILEZEN01', 'active', 0, false],
      [6, 'NOT_AUTHENTIC', 'NOT_A_CERTIFICATE', null, null, null, false],
      [7, 'NOT_AUTHENTIC', 'NOT_ISSUED', null, null, null, false],
      [8, 'AUTHENTIC', null, 'FILE00001', 'active', 0, true],
    ]);
    expect(rows[2]!.brandName).toBe('Zenith');
    expect(rows[0]!.statusAsOf).toMatch(/^20\d\d-\d\d-\d\dT/);
    expect(run.status).toBe(1);
  });

  it('prints a table for people and CSV for spreadsheets', async () => {
    const table = await check(tray());
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^LINE\s+BRAND\s+SERIAL\s+MODEL\s+VERDICT\s+STATUS\s+OWNERS\s+NOTE$/);
    expect(lines[1]).toMatch(
      /^2\s+HUB\s+FILE00001\s+.+AUTHENTIC\s+active \(.+Z\)\s+0\s+LISTED TWICE/,
    );
    expect(lines[2]).toMatch(/REPORTED_STOLEN\s+stolen/);
    expect(table.status).toBe(1);
    const csv = await check(tray(), ['--csv']);
    const rows = csv.stdout.trimEnd().split('\r\n');
    expect(rows[0]).toBe(
      'n,brand,brand_name,serial,model,reference,verdict,code,status,status_as_of,owners,duplicate',
    );
    expect(rows).toHaveLength(7);
    expect(rows[3]).toMatch(
      /^"5","ZEN","Zenith","FILEZEN01",".+",".+","AUTHENTIC","","active","20/,
    );
  });

  it('exit 0 for a clean tray; 3 when the brand cannot be reached; 2 for a bad list or flags', async () => {
    const clean = await check(`${certs.zenith!.link}\n${certs.active!.digits}\n`);
    expect(clean.status).toBe(0);
    const dead = `http://127.0.0.1:${await freePort()}/`;
    const unreachable = await check(`${certs.zenith!.link}\n`, ['--json'], dead);
    expect(JSON.parse(unreachable.stdout)[0]).toMatchObject({
      verdict: 'CHECK_ONLINE',
      code: 'STATUS_UNAVAILABLE',
      serial: 'FILEZEN01',
    });
    expect(unreachable.status).toBe(3);
    const empty = await check('# nothing here\n\n');
    expect(empty.status).toBe(2);
    expect(empty.stderr).toMatch(/lists no certificate/);
    const both = await check('x', ['FILE00001']);
    expect(both.status).toBe(2);
    expect(both.stderr).toMatch(/not both/);
    const missing = await hallmarkAsync(
      ['check', '--file', join(dir, 'nope.txt'), '--trust-list', files.trust, '--root', files.root],
      { cwd: dir },
    );
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/cannot read .*nope\.txt/);
  });
});
