/**
 * Fail closed (issue 11): ownership respects the watch's state and codes expire; re-issuing an
 * owned watch's card is the brand admin's decision; production cannot start (or print) with
 * development defaults; e-mail hashes are keyed by a registry secret.
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/config.ts';
import { hallmark } from '../helpers/cli.ts';
import { PASSPHRASE, testService, watchBody } from '../helpers/service.ts';
import { testDbLocation } from '../helpers/db.ts';

const svc = testService();
const erp = svc.token(['issue'], 'erp');
const admin = svc.token(['admin'], 'brand-admin');
const post = (path: string, token?: string, body: object = {}) => {
  const r = request(svc.app).post(path);
  return (token ? r.set('Authorization', `Bearer ${token}`) : r).send(body);
};
const issue = async (serial: string) =>
  expect((await post('/api/v1/certificates', erp, watchBody({ serial }))).status).toBe(201);
const claimCode = async (serial: string) =>
  (await post(`/api/v1/certificates/${serial}/claim-code`, erp)).body.code as string;
const claim = (serial: string, code: string, email?: string) =>
  post('/api/v1/ownership/claim', undefined, { serial, code, ...(email ? { email } : {}) });

describe('ownership respects the watch', () => {
  it('a stolen watch in its box cannot be claimed; a stolen or revoked one cannot be transferred', async () => {
    await issue('STATE0001');
    const code = await claimCode('STATE0001');
    expect(
      (await post('/api/v1/certificates/STATE0001/stolen', admin, { reason: 'truck theft' }))
        .status,
    ).toBe(200);
    const refused = await claim('STATE0001', code);
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('NOT_ACTIVE');
    // A wrong code learns nothing about the state: the usual answer.
    expect((await claim('STATE0001', 'AAAAA-AAAAA-AAAAA-AAAAA')).status).toBe(403);
    expect((await post('/api/v1/certificates/STATE0001/claim-code', erp)).status).toBe(409);

    await issue('STATE0002');
    const { ownerKey } = (await claim('STATE0002', await claimCode('STATE0002'))).body;
    await post('/api/v1/certificates/STATE0002/revoke', admin, {
      reason: 'sold as new after a warranty fraud',
    });
    const transfer = await post('/api/v1/ownership/transfer', undefined, {
      serial: 'STATE0002',
      ownerKey,
    });
    expect(transfer.status).toBe(409);
    expect(transfer.body.error.code).toBe('NOT_ACTIVE');
  });

  it('claim codes expire after 30 days (configurable); the holder is told, others are not', async () => {
    await issue('STATE0003');
    const code = await claimCode('STATE0003');
    svc.clock.now += 31 * 86_400;
    const expired = await claim('STATE0003', code);
    expect(expired.status).toBe(410);
    expect(expired.body.error.code).toBe('CODE_EXPIRED');
    expect((await claim('STATE0003', 'AAAAA-AAAAA-AAAAA-AAAAA')).status).toBe(403);
    const fresh = await claimCode('STATE0003');
    expect((await claim('STATE0003', fresh)).status).toBe(201);
    expect(loadConfig({ HALLMARK_CLAIM_CODE_DAYS: '7' }).claimCodeDays).toBe(7);
    expect(() => loadConfig({ HALLMARK_CLAIM_CODE_DAYS: '0' })).toThrow(/HALLMARK_CLAIM_CODE_DAYS/);
  });

  it('a hand-over code can be made short-lived (a QR on a screen): photographed, it soon dies', async () => {
    await issue('STATE0005');
    const { ownerKey } = (await claim('STATE0005', await claimCode('STATE0005'))).body;
    const short = await post('/api/v1/ownership/transfer', undefined, {
      serial: 'STATE0005',
      ownerKey,
      expiresInMinutes: 15,
    });
    expect(short.status).toBe(201);
    svc.clock.now += 15 * 60 + 1;
    const late = await claim('STATE0005', short.body.transferCode);
    expect(late.status).toBe(410);
    expect(late.body.error.code).toBe('CODE_EXPIRED');
    // A new code, in time, works; a lifetime out of bounds is refused by name.
    const again = await post('/api/v1/ownership/transfer', undefined, {
      serial: 'STATE0005',
      ownerKey,
      expiresInMinutes: 15,
    });
    svc.clock.now += 14 * 60;
    expect((await claim('STATE0005', again.body.transferCode)).status).toBe(201);
    const bad = await post('/api/v1/ownership/transfer', undefined, {
      serial: 'STATE0005',
      ownerKey,
      expiresInMinutes: 0,
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.fields[0].path).toBe('expiresInMinutes');
  });

  it("re-issuing an owned watch's card needs admin and a reason; an unowned one, issue", async () => {
    await issue('STATE0004');
    expect((await post('/api/v1/certificates/STATE0004/reissue', erp)).status).toBe(201);
    await claim('STATE0004', await claimCode('STATE0004'));
    const byErp = await post('/api/v1/certificates/STATE0004/reissue', erp, { reason: 'damaged' });
    expect(byErp.status).toBe(403);
    const noReason = await post('/api/v1/certificates/STATE0004/reissue', admin);
    expect(noReason.status).toBe(400);
    expect(noReason.body.error.fields[0].path).toBe('reason');
    const ok = await post('/api/v1/certificates/STATE0004/reissue', admin, {
      reason: 'card damaged, owner seen in boutique',
    });
    expect(ok.status).toBe(201);
    expect(ok.body.generation).toBe(3);
  });
});

describe('e-mail hashes', () => {
  it('are HMACs under a sealed registry secret: a dictionary with the serial reverses nothing', async () => {
    await issue('MAIL00001');
    await claim('MAIL00001', await claimCode('MAIL00001'), 'Owner@Example.com');
    const stored = svc.registry.db
      .prepare("SELECT email_hash FROM ownership WHERE serial = 'MAIL00001'")
      .pluck()
      .get() as Buffer;
    const salted = createHash('sha256').update('MAIL00001:owner@example.com').digest();
    const plain = createHash('sha256').update('owner@example.com').digest();
    expect(stored.equals(salted) || stored.equals(plain)).toBe(false);
    expect(
      stored.equals(svc.registry.ownership.emailHash(' OWNER@example.com', svc.clock.now)),
    ).toBe(true);
    expect(
      svc.registry.db
        .prepare("SELECT count(*) FROM registry_secrets WHERE name = 'email-hash'")
        .pluck()
        .get(),
    ).toBe(1);
  });
});

describe('production defaults cannot leak', () => {
  const base = { NODE_ENV: 'production', HALLMARK_KEY_PASSPHRASE: PASSPHRASE };
  it('no start without an https public URL; no sample data; development stays as it was', () => {
    expect(() => loadConfig(base)).toThrow(
      /HALLMARK_PUBLIC_URL: NODE_ENV=production needs the https URL/,
    );
    expect(() =>
      loadConfig({ ...base, HALLMARK_PUBLIC_URL: 'http://verify.brand.example/' }),
    ).toThrow(/https/);
    expect(() =>
      loadConfig({
        ...base,
        HALLMARK_PUBLIC_URL: 'https://verify.brand.example/',
        HALLMARK_SAMPLE_DATA: 'true',
      }),
    ).toThrow(/HALLMARK_SAMPLE_DATA: sample certificates are for development/);
    expect(
      loadConfig({ ...base, HALLMARK_PUBLIC_URL: 'https://verify.brand.example/' }).sampleData,
    ).toBe(false);
    expect(loadConfig({}).sampleData).toBe(true);
    expect(loadConfig({}).publicUrl).toBe('http://localhost:8080/');
  });

  it('the real process refuses to start, naming the variable; print refuses localhost links', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hallmark-prod-url-'));
    const res = hallmark(['serve'], {
      cwd: dir,
      env: { ...base, HALLMARK_DB: testDbLocation(dir, 'h.db'), HALLMARK_PUBLIC_URL: '' },
    });
    expect(res.status).toBe(2);
    expect(res.stderr).toMatch(/HALLMARK_PUBLIC_URL/);
    const env = {
      HALLMARK_DB: testDbLocation(dir, 'dev.db'),
      HALLMARK_KEY_PASSPHRASE: PASSPHRASE,
      HALLMARK_ISSUER: 'HUB',
      HALLMARK_PUBLIC_URL: '',
    };
    expect(
      hallmark(['brands', 'add', '--code', 'HUB', '--name', 'Hublot'], { cwd: dir, env }).status,
    ).toBe(0);
    writeFileSync(
      join(dir, 'one.csv'),
      'serial,reference,model,caseMaterial,calibre,manufacturedOn\nPRINT0001,441.NX.1170.RX,Big Bang,King Gold,HUB1280,2026-03-02\n',
    );
    expect(hallmark(['import', 'one.csv'], { cwd: dir, env }).status).toBe(0);
    const refused = hallmark(['print', '--serial', 'PRINT0001', '--out', 'c.pdf'], {
      cwd: dir,
      env,
    });
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(
      /refusing to print cards that link to http:\/\/localhost:8080\//,
    );
    expect(existsSync(join(dir, 'c.pdf'))).toBe(false);
    const draft = hallmark(['print', '--serial', 'PRINT0001', '--out', 'c.pdf', '--draft'], {
      cwd: dir,
      env,
    });
    expect(draft.status, draft.stderr).toBe(0);
  });
});

describe('abuse bounds', () => {
  it("one retailer token's burst of stolen reports: 5 applied, the rest held for review; who reported is audited", async () => {
    const retailer = svc.token(['report'], 'retailer-rogue');
    const serials = Array.from({ length: 12 }, (_, i) => `BURST${String(i).padStart(5, '0')}`);
    for (const serial of serials) await issue(serial);
    const answers = [];
    for (const serial of serials)
      answers.push(
        await post(`/api/v1/certificates/${serial}/stolen`, retailer, {
          reason: 'seen on a market',
        }),
      );
    expect(answers.map((a) => a.status)).toEqual([...Array(5).fill(200), ...Array(7).fill(202)]);
    expect(answers[5]!.body).toMatchObject({ held: true, serial: 'BURST00005' });
    const stolen = svc.registry.db
      .prepare("SELECT count(*) FROM certificates WHERE serial LIKE 'BURST%' AND status = 'stolen'")
      .pluck()
      .get();
    expect(stolen).toBe(5);
    const { stolenReports } = await import('../../server/status/stolen-reports.ts');
    const reports = stolenReports(svc.registry);
    const pending = reports.pending('HUB');
    expect(pending.map((p) => p.serial)).toEqual(serials.slice(5));
    expect(pending.every((p) => p.actor === 'token:retailer-rogue')).toBe(true);
    // The brand reviews: one approved (now stolen), one rejected (stays active).
    expect(reports.decide(pending[0]!.id, 'approved', 'cli:reports approve:test')?.status).toBe(
      'stolen',
    );
    expect(
      reports.decide(pending[1]!.id, 'rejected', 'cli:reports reject:test', 'a competitor'),
    ).toBeUndefined();
    expect(svc.registry.certificates.findLatest('HUB', pending[1]!.serial)!.status).toBe('active');
    const audit = svc.registry.db
      .prepare('SELECT action, actor FROM events WHERE serial = ? ORDER BY id')
      .all(pending[0]!.serial);
    expect(audit).toEqual([
      { action: 'certificate.issued', actor: 'token:erp' },
      { action: 'certificate.stolen_report_held', actor: 'token:retailer-rogue' },
      { action: 'certificate.stolen_report_approved', actor: 'cli:reports approve:test' },
      { action: 'certificate.reported_stolen', actor: 'token:retailer-rogue' },
    ]);
    // An admin is not held back.
    await issue('BURSTADMIN');
    expect((await post('/api/v1/certificates/BURSTADMIN/stolen', admin)).status).toBe(200);
  });

  it('idempotency keys are purged after 24 hours', async () => {
    const body = { items: [watchBody({ serial: 'IDEM00001' })] };
    const send = () =>
      request(svc.app)
        .post('/api/v1/certificates/batch')
        .set('Authorization', `Bearer ${erp}`)
        .set('Idempotency-Key', 'purge-me')
        .send(body);
    expect((await send()).body.issued).toBe(1);
    expect((await send()).headers['idempotent-replayed']).toBe('true');
    svc.clock.now += 25 * 3600;
    const later = await send(); // a new request now: the serial exists, nothing is duplicated
    expect(later.headers['idempotent-replayed']).toBeUndefined();
    expect(later.body).toMatchObject({ issued: 0, existing: 1 });
    expect(
      svc.registry.db
        .prepare("SELECT count(*) FROM idempotency_keys WHERE key = 'purge-me'")
        .pluck()
        .get(),
    ).toBe(1);
  });
});
