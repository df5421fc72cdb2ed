/** Revoke / stolen / recovered / re-issue with scopes and audit; the signed status list; ownership; the retailer check. */
import { gunzipSync } from 'node:zlib';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { fromBase64url } from '../../shared/bytes.ts';
import { keySetFromJwks } from '../../shared/keys.ts';
import { listPosition, statusAt, verifyStatusList } from '../../shared/status-list.ts';
import { verify } from '../../shared/verify.ts';
import { MAX_FAILED_ATTEMPTS } from '../../server/registry/ownership.ts';
import { testService, watchBody } from '../helpers/service.ts';

const SIZE = 1024; // small lists in tests; the service uses 2^20
const svc = testService({ statusListSize: SIZE, config: { claimRateLimit: 1000 } });
const admin = svc.token(['admin'], 'brand-admin');
const issuer = svc.token(['issue'], 'erp');
const retailer = svc.token(['report'], 'retailer-geneva');
const reader = svc.token(['read']);

const post = (path: string, token: string | undefined, body: object = {}) => {
  const r = request(svc.app).post(path);
  return (token ? r.set('Authorization', `Bearer ${token}`) : r).send(body);
};
const issue = async (serial: string) =>
  (await post('/api/v1/certificates', issuer, watchBody({ serial }))).body;

async function statusListFor(sli: number) {
  const { list, position } = listPosition(sli, SIZE);
  const res = await request(svc.app).get(`/status/${list}.jwt`);
  expect(res.status).toBe(200);
  const keys = keySetFromJwks((await request(svc.app).get('/.well-known/jwks.json')).body);
  const payload = verifyStatusList(res.text, keys, { issuer: 'HUB', list });
  return { res, payload, status: statusAt(gunzipSync(fromBase64url(payload.lst_gz)), position) };
}

describe('status changes', () => {
  it('stolen (retailer with scope report), recovered (admin), revoked (admin, reason required); each audited', async () => {
    const cert = await issue('LIFE00001');
    expect(
      (await post('/api/v1/certificates/LIFE00001/stolen', issuer, { reason: 'x' })).status,
    ).toBe(403);
    const stolen = await post('/api/v1/certificates/LIFE00001/stolen', retailer, {
      reason: 'police report GE-2026-118',
    });
    expect(stolen.status).toBe(200);
    expect(stolen.body).toMatchObject({
      status: 'stolen',
      statusReason: 'police report GE-2026-118',
    });
    expect((await statusListFor(cert.statusIndex)).status).toBe('stolen');
    expect((await post('/api/v1/certificates/LIFE00001/recovered', retailer)).status).toBe(403);
    expect(
      (
        await post('/api/v1/certificates/LIFE00001/recovered', admin, {
          reason: 'returned to owner',
        })
      ).body.status,
    ).toBe('active');
    expect((await statusListFor(cert.statusIndex)).status).toBe('active');
    const noReason = await post('/api/v1/certificates/LIFE00001/revoke', admin, {});
    expect(noReason.status).toBe(400);
    expect(noReason.body.error.fields[0].path).toBe('reason');
    expect(
      (
        await post('/api/v1/certificates/LIFE00001/revoke', admin, {
          reason: 'card printed in error',
        })
      ).body.status,
    ).toBe('revoked');
    expect((await statusListFor(cert.statusIndex)).status).toBe('revoked');
    expect((await post('/api/v1/certificates/LIFE00001/stolen', retailer)).body.error.code).toBe(
      'INVALID_TRANSITION',
    );
    expect(
      svc.registry.events.forSerial('LIFE00001').map((e) => [e.action, e.actor, e.reason ?? null]),
    ).toEqual([
      ['certificate.issued', 'token:erp', null],
      ['certificate.reported_stolen', 'token:retailer-geneva', 'police report GE-2026-118'],
      ['certificate.recovered', 'token:brand-admin', 'returned to owner'],
      ['certificate.revoked', 'token:brand-admin', 'card printed in error'],
    ]);
  });

  it('wrong or missing tokens change nothing', async () => {
    await issue('LIFE00002');
    for (const [path, token, status] of [
      ['revoke', undefined, 401],
      ['revoke', reader, 403],
      ['revoke', retailer, 403],
      ['stolen', reader, 403],
      ['recovered', issuer, 403],
      ['reissue', reader, 403],
    ] as const) {
      expect(
        (await post(`/api/v1/certificates/LIFE00002/${path}`, token, { reason: 'r' })).status,
      ).toBe(status);
    }
    expect(svc.registry.certificates.findLatest('HUB', 'LIFE00002')!.status).toBe('active');
    expect(svc.registry.events.forSerial('LIFE00002')).toHaveLength(1);
  });

  it('re-issue: a new generation with a new index; the old card becomes replaced', async () => {
    const old = await issue('LIFE00003');
    const fresh = await post('/api/v1/certificates/LIFE00003/reissue', issuer, {
      reason: 'card lost',
    });
    expect(fresh.status).toBe(201);
    expect(fresh.body).toMatchObject({ generation: 2, status: 'active' });
    expect(fresh.body.statusIndex).not.toBe(old.statusIndex);
    expect((await statusListFor(old.statusIndex)).status).toBe('replaced');
    expect((await statusListFor(fresh.body.statusIndex)).status).toBe('active');
    const keys = svc.registry.keys.trustedKeys();
    expect(verify(fresh.body.qr, keys, { now: svc.clock.now })).toMatchObject({
      ok: true,
      claims: { gen: 2 },
    });
    expect(verify(old.qr, keys, { now: svc.clock.now }).ok).toBe(true); // still authentic; its status says replaced
  });
});

describe('the signed status list', () => {
  it('is a JWS with typ statuslist+jwt, ETag and Cache-Control; an altered one is rejected', async () => {
    const cert = await issue('LIST00001');
    const { res, payload } = await statusListFor(cert.statusIndex);
    expect(res.headers['content-type']).toMatch(/^application\/statuslist\+jwt/);
    expect(res.headers['cache-control']).toBe('public, max-age=300');
    expect(payload).toMatchObject({ iss: 'HUB', size: SIZE, bits: 2, ttl: 86_400 });
    const again = await request(svc.app)
      .get(`/status/${listPosition(cert.statusIndex, SIZE).list}.jwt`)
      .set('If-None-Match', res.headers.etag!);
    expect(again.status).toBe(304);
    const keys = svc.registry.keys.trustedKeys();
    const [h, p, s] = res.text.split('.');
    const forgedPayload = Buffer.from(
      JSON.stringify({ ...payload, lst_gz: 'H4sIAAAAAAAAA2NgGAWjYBSMgpENAAAA' }),
    ).toString('base64url');
    const expected = { issuer: 'HUB', list: listPosition(cert.statusIndex, SIZE).list };
    expect(() => verifyStatusList(`${h}.${forgedPayload}.${s}`, keys, expected)).toThrow(
      /signature/,
    );
    expect(() => verifyStatusList(`${h}.${p}.`, keys, expected)).toThrow();
    expect((await request(svc.app).get('/status/999.jwt')).status).toBe(404);
  });
});

describe('ownership and the retailer check', () => {
  it('claim with the code in the box, transfer on resale, the old codes dead, owners counted, never who', async () => {
    const cert = await issue('OWN000001');
    // The public check answers the holder of the certificate.
    const check = async () =>
      (await post('/api/v1/check', undefined, { certificate: cert.qr })).body;
    expect(await check()).toMatchObject({
      authentic: true,
      status: 'active',
      owners: 0,
      lastTransferAt: null,
    });
    const { code } = (await post('/api/v1/certificates/OWN000001/claim-code', issuer)).body;
    expect(code).toMatch(/^[0-9A-Z]{5}(-[0-9A-Z]{5}){3}$/);
    const claimed = await post('/api/v1/ownership/claim', undefined, {
      serial: 'own000001',
      code: code.toLowerCase(),
      email: 'first@example.com',
    });
    expect(claimed.status).toBe(201);
    const firstOwnerKey = claimed.body.ownerKey;
    expect(
      (await post('/api/v1/ownership/claim', undefined, { serial: 'OWN000001', code })).status,
    ).toBe(403); // used up
    svc.clock.now += 86_400 * 400;
    const transfer = await post('/api/v1/ownership/transfer', undefined, {
      serial: 'OWN000001',
      ownerKey: firstOwnerKey,
    });
    expect(transfer.status).toBe(201);
    const second = await post('/api/v1/ownership/claim', undefined, {
      serial: 'OWN000001',
      code: transfer.body.transferCode,
    });
    expect(second.body.owners).toBe(2);
    // The previous owner's key no longer starts a transfer.
    expect(
      (
        await post('/api/v1/ownership/transfer', undefined, {
          serial: 'OWN000001',
          ownerKey: firstOwnerKey,
        })
      ).status,
    ).toBe(403);
    const summary = await check();
    expect(summary).toMatchObject({
      owners: 2,
      lastTransferAt: new Date(svc.clock.now * 1000).toISOString(),
    });
    expect(JSON.stringify(summary)).not.toMatch(/example\.com|own_/);
    const row = svc.registry.db.prepare("SELECT * FROM ownership WHERE serial = 'OWN000001'").get();
    expect(JSON.stringify(row)).not.toContain('first@example.com');
  });

  it('guessed codes are refused and the brand is alerted; the right code still works', async () => {
    await issue('OWN000002');
    const { code } = (await post('/api/v1/certificates/OWN000002/claim-code', issuer)).body;
    const guess = (i: number) =>
      post('/api/v1/ownership/claim', undefined, {
        serial: 'OWN000002',
        code: `AAAAA-AAAAA-AAAAA-AAAA${i}`,
      });
    for (let i = 0; i <= MAX_FAILED_ATTEMPTS; i++) expect((await guess(i)).status).toBe(403);
    const alerts = svc.registry.db
      .prepare(
        "SELECT count(*) FROM events WHERE serial = 'OWN000002' AND action = 'ownership.guessing_suspected'",
      )
      .pluck()
      .get();
    expect(alerts).toBe(1);
    expect(
      (await post('/api/v1/ownership/claim', undefined, { serial: 'OWN000002', code })).status,
    ).toBe(201);
  });

  it('per-address rate limit on claims', async () => {
    const limited = testService({ config: { claimRateLimit: 3 } });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++)
      statuses.push(
        (
          await request(limited.app)
            .post('/api/v1/ownership/claim')
            .send({ serial: 'NOPE0001', code: 'AAAAA-AAAAA-AAAAA-AAAAA' })
        ).status,
      );
    expect(statuses).toEqual([403, 403, 403, 429, 429]);
  });

  it('the check of an unknown serial is a 404 for a retailer token, a 401 without one', async () => {
    const retailerReader = svc.token(['report'], 'retailer-check');
    const res = await request(svc.app)
      .get('/api/v1/certificates/FAKE00001/check')
      .set('Authorization', `Bearer ${retailerReader}`);
    expect(res.status).toBe(404);
    expect((await request(svc.app).get('/api/v1/certificates/FAKE00001/check')).status).toBe(401);
  });
});
