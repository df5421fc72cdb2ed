/** Bad bodies get a clear 4xx naming every field; the service stays up and nothing is stored. */
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { testService, watchBody } from '../helpers/service.ts';

const svc = testService();
const token = svc.token(['issue']);
const post = () =>
  request(svc.app).post('/api/v1/certificates').set('Authorization', `Bearer ${token}`);
const paths = (res: request.Response) =>
  (res.body.error.fields ?? []).map((f: { path: string }) => f.path).sort();

describe('bad bodies', () => {
  it.each([
    [
      'missing fields',
      { serial: 'HB1234' },
      ['calibre', 'caseMaterial', 'manufacturedOn', 'model', 'reference'],
    ],
    [
      'wrong types',
      watchBody({ serial: 42, model: ['x'], manufacturedOn: 20260302 }),
      ['manufacturedOn', 'model', 'serial'],
    ],
    [
      'oversized strings',
      watchBody({ model: 'M'.repeat(300), calibre: 'C'.repeat(5000) }),
      ['calibre', 'model'],
    ],
    ['unknown fields', watchBody({ owner: 'me', price: 1 }), ['owner', 'price']],
    ['invalid dates', watchBody({ manufacturedOn: '2026-02-30' }), ['manufacturedOn']],
    ['future manufacture date', watchBody({ manufacturedOn: '2099-01-01' }), ['manufacturedOn']],
    [
      'control characters',
      watchBody({ model: 'Big\u0000Bang', caseMaterial: 'Gold\u202e' }),
      ['caseMaterial', 'model'],
    ],
    ['an array', [watchBody()], ['(root)']],
  ])('%s → 400 VALIDATION_FAILED naming each field', async (_name, body, fields) => {
    const res = await post().set('Content-Type', 'application/json').send(JSON.stringify(body));
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    expect(paths(res)).toEqual(fields);
    for (const f of res.body.error.fields) expect(f.message.length).toBeGreaterThan(3);
  });

  it('non-JSON → 400 MALFORMED_JSON; another content type → 415', async () => {
    const bad = await post().set('Content-Type', 'application/json').send('{"serial": ');
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('MALFORMED_JSON');
    // A bare JSON null or number is not an object: refused by the strict JSON parser too.
    const bare = await post().set('Content-Type', 'application/json').send('null');
    expect(bare.status).toBe(400);
    expect(bare.body.error.code).toBe('MALFORMED_JSON');
    const form = await post()
      .set('Content-Type', 'application/x-www-form-urlencoded')
      .send('serial=HB1');
    expect(form.status).toBe(415);
    expect(form.body.error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('a 10 MB body → 413, and the service stays up', async () => {
    const huge = JSON.stringify(watchBody({ model: 'x'.repeat(10 * 1024 * 1024) }));
    const res = await post().set('Content-Type', 'application/json').send(huge);
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('PAYLOAD_TOO_LARGE');
    expect((await request(svc.app).get('/healthz')).status).toBe(200);
  });

  it('nothing was stored by any of them, and a good body still works', async () => {
    expect(svc.registry.certificates.count()).toBe(0);
    expect((await post().send(watchBody())).status).toBe(201);
  });
});

describe('public rate limit', () => {
  it('answers 429 RATE_LIMITED past the limit, with RateLimit headers', async () => {
    const limited = testService({ config: { publicRateLimit: 3 } });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++)
      statuses.push((await request(limited.app).get('/.well-known/jwks.json')).status);
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    const res = await request(limited.app).get('/.well-known/jwks.json');
    expect(res.body.error.code).toBe('RATE_LIMITED');
    expect(res.headers['ratelimit-policy'] ?? res.headers['ratelimit']).toBeDefined();
  });
});

describe('the public rate limit does not touch authenticated issuing', () => {
  it('issues past the public limit', async () => {
    const limited = testService({ config: { publicRateLimit: 2 } });
    const token = limited.token(['issue']);
    for (let i = 0; i < 5; i++) {
      const res = await request(limited.app)
        .post('/api/v1/certificates')
        .set('Authorization', `Bearer ${token}`)
        .send(watchBody({ serial: `LIM0000${i}` }));
      expect(res.status).toBe(201);
    }
  });
});

describe('malformed percent-encoding in a path', () => {
  it('is a 400 behind the public rate limit, logged once at warn without a stack', async () => {
    const svc = testService({ config: { publicRateLimit: 5 } });
    const paths = [
      '/api/v1/certificates/%/check',
      '/status/%ZZ.jwt',
      '/api/v1/certificates/%E0%A4%A/qr.png',
    ];
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) {
      const res = await request(svc.app).get(paths[i % 3]!);
      statuses.push(res.status);
      if (res.status === 400) expect(res.body.error.code).toBe('MALFORMED_PATH');
    }
    expect(statuses).toEqual([400, 400, 400, 400, 400, 429, 429, 429]);
    const lines = svc.logs.map(
      (l) => JSON.parse(l) as { level: number; msg: string; err?: unknown },
    );
    expect(lines.filter((l) => l.level >= 50)).toEqual([]);
    const warnings = lines.filter(
      (l) => l.msg === 'malformed percent-encoding in the request path',
    );
    expect(warnings).toHaveLength(5);
    expect(warnings.every((w) => w.level === 40 && w.err === undefined)).toBe(true);
  });
});
