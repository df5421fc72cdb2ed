/** Issue → fetch → verify, idempotency, QR images: supertest on createApp (in-memory, fixed clock). */
import { compactVerify, createLocalJWKSet } from 'jose';
import request from 'supertest';
import { beforeEach, describe, expect, it } from 'vitest';
import { keySetFromJwks } from '../../shared/keys.ts';
import { verify } from '../../shared/verify.ts';
import { NOW } from '../helpers/fixtures.ts';
import { testService, watchBody, type TestService } from '../helpers/service.ts';
import { zbarDecode } from '../helpers/zbar.ts';

describe('POST /api/v1/certificates', () => {
  let svc: TestService;
  let issuer: string;
  let reader: string;
  beforeEach(() => {
    svc = testService();
    issuer = svc.token(['issue'], 'erp-sap');
    reader = svc.token(['read']);
  });

  const post = (body: unknown, token = issuer) =>
    request(svc.app)
      .post('/api/v1/certificates')
      .set('Authorization', `Bearer ${token}`)
      .send(body as object);

  it('issues, and the certificate verifies with the shared verifier and with jose against the JWKS', async () => {
    const res = await post(watchBody());
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      serial: 'HB26A0012345',
      issuer: 'HUB',
      generation: 1,
      status: 'active',
    });
    expect(res.body.qr).toMatch(/^HTTPS:\/\/VERIFY\.HALLMARK\.EXAMPLE\/#\d+$/);
    expect(res.body.url).toMatch(/^https:\/\/verify\.hallmark\.example\/#\d+$/);
    expect(res.body.issuedAt).toBe(new Date(NOW * 1000).toISOString());

    const fetched = await request(svc.app)
      .get('/api/v1/certificates/HB26A0012345')
      .set('Authorization', `Bearer ${reader}`);
    expect(fetched.status).toBe(200);
    expect(fetched.body).toEqual(res.body);

    const jwks = await request(svc.app).get('/.well-known/jwks.json');
    expect(jwks.headers['cache-control']).toMatch(/public, max-age=300/);
    const keys = keySetFromJwks(jwks.body);
    for (const input of [res.body.qr, res.body.url, res.body.jws]) {
      expect(verify(input, keys, { now: NOW })).toMatchObject({
        ok: true,
        claims: res.body.claims,
      });
    }
    const jose = await compactVerify(res.body.jws, createLocalJWKSet(jwks.body), {
      algorithms: ['Ed25519'],
    });
    expect(JSON.parse(new TextDecoder().decode(jose.payload))).toEqual(res.body.claims);

    expect(svc.registry.events.forSerial('HB26A0012345')).toMatchObject([
      { action: 'certificate.issued', actor: 'token:erp-sap', at: NOW },
    ]);
  });

  it('is idempotent: same claims → 200 with the same certificate, different claims → 409 naming the fields', async () => {
    const first = await post(watchBody());
    const again = await post(
      watchBody({ serial: ' hb26a0012345 ', model: 'Big  Bang Unico 42 mm' }),
    );
    expect(again.status).toBe(200);
    expect(again.body.jws).toBe(first.body.jws);
    const conflict = await post(watchBody({ model: 'Big Bang Unico 44 mm', calibre: 'HUB1242' }));
    expect(conflict.status).toBe(409);
    expect(conflict.body.error.code).toBe('CONFLICT');
    expect(conflict.body.error.fields.map((f: { path: string }) => f.path)).toEqual([
      'model',
      'calibre',
    ]);
    expect(svc.registry.certificates.count()).toBe(1);
  });

  it('gives distinct, spread status-list indexes', async () => {
    const indexes: number[] = [];
    for (let i = 0; i < 20; i++)
      indexes.push((await post(watchBody({ serial: `HB26A00${i}` }))).body.statusIndex);
    expect(new Set(indexes).size).toBe(20);
    const gaps = indexes.slice(1).map((x, i) => Math.abs(x - indexes[i]!));
    expect(Math.min(...gaps)).toBeGreaterThan(1);
  });

  it('a brand token cannot issue for a brand it is not bound to, nor for a brand that does not exist', async () => {
    const forged = await post(watchBody({ issuer: 'omg' }));
    expect(forged.status).toBe(403);
    expect(forged.body.error.code).toBe('FORBIDDEN');
    expect(svc.registry.certificates.count()).toBe(0);
  });

  it('a token of two brands issues for the one named in the body, found again with ?issuer=', async () => {
    svc = testService({ brands: ['OMG'] });
    const both = svc.token(['issue', 'read'], 'group-erp', ['HUB', 'OMG']);
    const res = await post(watchBody({ issuer: 'omg' }), both);
    expect(res.status).toBe(201);
    expect(res.body.issuer).toBe('OMG');
    expect(res.body.kid).toBe(svc.registry.keys.active('OMG').kid);
    const found = await request(svc.app)
      .get('/api/v1/certificates/HB26A0012345?issuer=OMG')
      .set('Authorization', `Bearer ${both}`);
    expect(found.body.claims.iss).toBe('OMG');
    // Named no brand: the deployment's default brand (HUB) has no such serial.
    expect(
      (
        await request(svc.app)
          .get('/api/v1/certificates/HB26A0012345')
          .set('Authorization', `Bearer ${both}`)
      ).status,
    ).toBe(404);
    // An operator token naming a brand the platform does not have: a clear field error.
    const operator = svc.token(['issue'], 'operator', '*');
    const unknown = await post(watchBody({ issuer: 'NOPE' }), operator);
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.fields).toEqual([
      { path: 'issuer', message: 'is not a brand of this registry (NOPE)' },
    ]);
  });
});

describe('GET /api/v1/certificates/:serial and its QR images', () => {
  const svc = testService();
  const reader = svc.token(['read']);
  const get = (path: string) => request(svc.app).get(path).set('Authorization', `Bearer ${reader}`);
  let qr: string;

  it('the PNG decodes with zbarimg to exactly the certificate QR text', async () => {
    const issued = await request(svc.app)
      .post('/api/v1/certificates')
      .set('Authorization', `Bearer ${svc.token(['issue'])}`)
      .send(watchBody({ model: 'Montre Café — Édition ®' }));
    qr = issued.body.qr;
    const png = await get('/api/v1/certificates/hb26a0012345/qr.png?scale=4&ecc=Q').buffer(true);
    expect(png.status).toBe(200);
    expect(png.headers['content-type']).toBe('image/png');
    expect(zbarDecode(png.body)).toEqual([qr]);
  });

  it('serves SVG', async () => {
    const svg = await get('/api/v1/certificates/HB26A0012345/qr.svg?margin=2');
    expect(svg.headers['content-type']).toMatch(/^image\/svg\+xml/);
    expect(String(svg.body)).toMatch(/^<svg/);
  });

  it.each([
    ['?ecc=X', 'ecc'],
    ['?scale=0', 'scale'],
    ['?scale=500', 'scale'],
    ['?margin=-1', 'margin'],
    ['?size=9', 'size'],
  ])('refuses image option %s, naming %s', async (query, field) => {
    const res = await get(`/api/v1/certificates/HB26A0012345/qr.png${query}`);
    expect(res.status).toBe(400);
    expect(res.body.error.fields.map((f: { path: string }) => f.path)).toContain(field);
  });

  it('404s on an unknown serial, 400 on an invalid one, 404 on another format', async () => {
    expect((await get('/api/v1/certificates/NOPE0001')).status).toBe(404);
    const bad = await get('/api/v1/certificates/%3Cscript%3E');
    expect(bad.status).toBe(400);
    expect(bad.body.error.fields[0].path).toBe('serial');
    expect((await get('/api/v1/certificates/HB26A0012345/qr.gif')).status).toBe(404);
    expect((await request(svc.app).get('/nowhere')).body).toEqual({
      error: { code: 'NOT_FOUND', message: 'no route for GET /nowhere' },
    });
  });

  it('answers with security headers and a request id', async () => {
    const res = await request(svc.app).get('/healthz').set('X-Request-Id', 'abc-123');
    expect(res.body).toEqual({ status: 'ok' });
    expect(res.headers['x-request-id']).toBe('abc-123');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-powered-by']).toBeUndefined();
    const other = await request(svc.app)
      .get('/healthz')
      .set('X-Request-Id', 'bad id with spaces and / slashes');
    expect(other.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});
