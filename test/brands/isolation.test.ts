/**
 * Brands are separate trust domains on one platform. Every token bound to brand A, scope by
 * scope, endpoint by endpoint, gets 403 on brand B's certificates and changes nothing (checked
 * in the registry); B's own tokens do the same things successfully, so the 403s are the
 * brand boundary and not something else. Status lists are each brand's, signed by its key.
 */
import { gunzipSync } from 'node:zlib';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { fromBase64url } from '../../shared/bytes.ts';
import {
  listPosition,
  statusAt,
  STATUS_LIST_SIZE,
  verifyStatusList,
} from '../../shared/status-list.ts';
import { verify } from '../../shared/verify.ts';
import type { Scope } from '../../server/registry/tokens.ts';
import { testService, watchBody } from '../helpers/service.ts';

const svc = testService({ brands: ['ZEN'] });
// Brand B (ZEN) has a certificate, an owner-to-be and a status.
const zenAdmin = svc.token(['admin'], 'zen-admin', ['ZEN']);
const hubIssuer = svc.token(['issue'], 'hub-erp', ['HUB']);

const post = (path: string, token: string, body: object = {}) =>
  request(svc.app).post(path).set('Authorization', `Bearer ${token}`).send(body);

const zenCert = (
  await post('/api/v1/certificates', zenAdmin, watchBody({ serial: 'ZEN0000001', issuer: 'ZEN' }))
).body;
const hubCert = (await post('/api/v1/certificates', hubIssuer, watchBody({ serial: 'HUB0000001' })))
  .body;

/** Everything an attacker could change, as rows: compared before and after. */
function snapshot(): unknown {
  const db = svc.registry.db;
  return {
    certificates: db
      .prepare(
        'SELECT issuer, serial, generation, status, status_reason, kid FROM certificates ORDER BY id',
      )
      .all(),
    events: db.prepare('SELECT count(*) AS n FROM events').get(),
    ownership: db.prepare('SELECT * FROM ownership ORDER BY issuer, serial').all(),
    idempotency: db.prepare('SELECT count(*) AS n FROM idempotency_keys').get(),
    brands: db.prepare('SELECT * FROM brands ORDER BY code').all(),
    keys: db.prepare('SELECT kid, brand, state FROM keys ORDER BY kid').all(),
    lists: db.prepare('SELECT id, brand, version, next_seq FROM status_lists ORDER BY id').all(),
  };
}

interface Call {
  name: string;
  method: 'get' | 'post';
  path: string;
  body?: object;
  headers?: Record<string, string>;
}

// Every route that reads or changes one brand's certificates, aimed at ZEN's.
const AT_ZEN: Call[] = [
  {
    name: 'issue naming ZEN',
    method: 'post',
    path: '/api/v1/certificates',
    body: watchBody({ serial: 'ZEN0000099', issuer: 'ZEN' }),
  },
  {
    name: 'batch with one ZEN item among own items',
    method: 'post',
    path: '/api/v1/certificates/batch',
    body: {
      items: [
        watchBody({ serial: 'HUB0000098' }),
        watchBody({ serial: 'ZEN0000098', issuer: 'zen' }),
      ],
    },
    headers: { 'Idempotency-Key': 'cross-brand-1' },
  },
  { name: 'read', method: 'get', path: '/api/v1/certificates/ZEN0000001?issuer=ZEN' },
  { name: 'QR png', method: 'get', path: '/api/v1/certificates/ZEN0000001/qr.png?issuer=ZEN' },
  { name: 'QR svg', method: 'get', path: '/api/v1/certificates/ZEN0000001/qr.svg?issuer=ZEN' },
  { name: 'reissue', method: 'post', path: '/api/v1/certificates/ZEN0000001/reissue?issuer=ZEN' },
  {
    name: 'claim code',
    method: 'post',
    path: '/api/v1/certificates/ZEN0000001/claim-code?issuer=ZEN',
  },
  {
    name: 'revoke',
    method: 'post',
    path: '/api/v1/certificates/ZEN0000001/revoke?issuer=ZEN',
    body: { reason: 'sabotage' },
  },
  {
    name: 'report stolen',
    method: 'post',
    path: '/api/v1/certificates/ZEN0000001/stolen?issuer=ZEN',
  },
  { name: 'recover', method: 'post', path: '/api/v1/certificates/ZEN0000001/recovered?issuer=ZEN' },
  {
    name: 'add a brand',
    method: 'post',
    path: '/api/v1/brands',
    body: { code: 'EVIL', name: 'Evil' },
  },
];

const send = (call: Call, token: string) => {
  let r = request(svc.app)[call.method](call.path).set('Authorization', `Bearer ${token}`);
  for (const [k, v] of Object.entries(call.headers ?? {})) r = r.set(k, v);
  return call.method === 'post' ? r.send(call.body ?? {}) : r;
};

const HUB_TOKENS: [string, Scope[]][] = [
  ['issue', ['issue']],
  ['read', ['read']],
  ['report', ['report']],
  ['admin', ['admin']],
  ['every scope', ['issue', 'read', 'report', 'admin']],
];

describe("a brand's tokens on another brand's certificates", () => {
  for (const [label, scopes] of HUB_TOKENS) {
    const token = svc.token(scopes, `hub-${label.replace(' ', '-')}`, ['HUB']);
    for (const call of AT_ZEN) {
      it(`HUB ${label} token → ${call.name}: 403, nothing changed`, async () => {
        const before = snapshot();
        const res = await send(call, token);
        expect(res.status, JSON.stringify(res.body)).toBe(403);
        expect(res.body.error.code).toBe('FORBIDDEN');
        expect(snapshot()).toEqual(before);
      });
    }
  }

  it('a brand admin cannot hide that a brand exists or not: an unknown brand is 403 too', async () => {
    const token = svc.token(['admin'], 'hub-admin-probe', ['HUB']);
    const known = await send(AT_ZEN[2]!, token);
    const unknown = await send(
      { ...AT_ZEN[2]!, path: '/api/v1/certificates/ZEN0000001?issuer=NOPE' },
      token,
    );
    expect([known.status, unknown.status]).toEqual([403, 403]);
    expect(known.body.error.message.replace('ZEN', 'X')).toBe(
      unknown.body.error.message.replace('NOPE', 'X'),
    );
  });

  it("a brand's list of brands shows its own only; an operator token sees all", async () => {
    const hub = await request(svc.app)
      .get('/api/v1/brands')
      .set('Authorization', `Bearer ${svc.token(['read'], 'hub-reader', ['HUB'])}`);
    expect(hub.body.brands.map((b: { code: string }) => b.code)).toEqual(['HUB']);
    const operator = await request(svc.app)
      .get('/api/v1/brands')
      .set('Authorization', `Bearer ${svc.token(['read'], 'operator-reader', '*')}`);
    expect(operator.body.brands.map((b: { code: string }) => b.code)).toEqual(['HUB', 'ZEN']);
  });
});

describe("a brand's own tokens do the same things", () => {
  it('ZEN admin: read, QR, claim code, stolen, recovered, reissue, revoke, batch; each audited', async () => {
    const own = (call: Call) => send(call, zenAdmin);
    const ok = async (call: Call, status: number) => {
      const res = await own(call);
      expect(res.status, `${call.name}: ${JSON.stringify(res.body)}`).toBe(status);
      return res;
    };
    await ok(AT_ZEN[0]!, 201);
    await ok({ ...AT_ZEN[1]!, body: { items: [watchBody({ serial: 'ZEN0000097' })] } }, 200);
    await ok(AT_ZEN[2]!, 200);
    await ok(AT_ZEN[3]!, 200);
    await ok(AT_ZEN[6]!, 201);
    await ok(AT_ZEN[8]!, 200);
    await ok(AT_ZEN[9]!, 200);
    await ok(AT_ZEN[5]!, 201);
    await ok({ ...AT_ZEN[7]!, path: '/api/v1/certificates/ZEN0000097/revoke?issuer=ZEN' }, 200);
    // Its token names one brand: it needs no ?issuer= at all.
    expect(
      (await own({ ...AT_ZEN[2]!, path: '/api/v1/certificates/ZEN0000099' })).body.issuer,
    ).toBe('ZEN');
    // Adding brands is the operator's: a brand admin is refused.
    expect((await own(AT_ZEN[10]!)).status).toBe(403);
    const actors = svc.registry.db
      .prepare("SELECT DISTINCT actor FROM events WHERE serial LIKE 'ZEN%'")
      .pluck()
      .all();
    expect(actors).toEqual(['token:zen-admin']);
  });

  it('the operator adds a brand with its own key over the API', async () => {
    const operator = svc.token(['admin'], 'operator-admin', '*');
    const res = await send(
      {
        ...AT_ZEN[10]!,
        body: { code: 'NEWB', name: 'Nouvelle Maison', publicUrl: 'https://verify.newb.example/' },
      },
      operator,
    );
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      onTrustList: false,
      code: 'NEWB',
      name: 'Nouvelle Maison',
      keys: [{ state: 'active' }],
    });
    expect(svc.registry.keys.active('NEWB').kid).toBe(res.body.keys[0].kid);
    const again = await send({ ...AT_ZEN[10]!, body: { code: 'NEWB', name: 'x' } }, operator);
    expect(again.status).toBe(409);
    const bad = await send({ ...AT_ZEN[10]!, body: { code: 'n', name: '' } }, operator);
    expect(bad.status).toBe(400);
    expect([...new Set(bad.body.error.fields.map((f: { path: string }) => f.path))].sort()).toEqual(
      ['code', 'name'],
    );
  });
});

describe('each brand signs with its own key, and its own status lists', () => {
  it('certificates carry their brand key; a key of one brand never verifies the other', () => {
    const keys = svc.registry.keys.trustedKeys();
    expect(zenCert.kid).toBe(svc.registry.keys.list('ZEN')[0]!.kid);
    expect(hubCert.kid).not.toBe(zenCert.kid);
    expect(verify(zenCert.qr, keys, { now: svc.clock.now })).toMatchObject({ ok: true });
    // Rebind ZEN's key to HUB: ZEN's certificate no longer verifies.
    const swapped = keys.map((k) => (k.kid === zenCert.kid ? { ...k, brand: 'HUB' } : k));
    expect(verify(zenCert.qr, swapped, { now: svc.clock.now })).toMatchObject({
      ok: false,
      code: 'KEY_NOT_FOR_BRAND',
    });
  });

  it("ZEN's status list is ZEN's, signed by ZEN's key; read as HUB's it is refused", async () => {
    await post('/api/v1/certificates/ZEN0000001/stolen?issuer=ZEN', zenAdmin).catch(
      () => undefined,
    );
    const zen = svc.registry.certificates.findLatest('ZEN', 'ZEN0000001')!;
    const { list, position } = listPosition(zen.statusIndex, STATUS_LIST_SIZE);
    const hubList = listPosition(hubCert.statusIndex, STATUS_LIST_SIZE).list;
    expect(list).not.toBe(hubList);
    const res = await request(svc.app).get(`/status/${list}.jwt`);
    expect(res.status).toBe(200);
    const keys = svc.registry.keys.trustedKeys();
    const payload = verifyStatusList(res.text, keys, { issuer: 'ZEN', list });
    expect(payload.iss).toBe('ZEN');
    expect(JSON.parse(Buffer.from(res.text.split('.')[0]!, 'base64url').toString()).kid).toBe(
      svc.registry.keys.active('ZEN').kid,
    );
    expect(statusAt(gunzipSync(fromBase64url(payload.lst_gz)), position)).toBe(zen.status);
    expect(() => verifyStatusList(res.text, keys, { issuer: 'HUB', list })).toThrow(
      expect.objectContaining({ code: 'KEY_NOT_FOR_BRAND' }),
    );
    expect(() => verifyStatusList(res.text, keys, { issuer: 'ZEN', list: hubList })).toThrow(
      expect.objectContaining({ code: 'MALFORMED' }),
    );
  });
});
