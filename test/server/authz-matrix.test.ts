/**
 * The authorization matrix: every protected route × every kind of caller, with the exact
 * status each must get, and a registry that is unchanged after every refusal. Each allowed
 * call acts on a fresh watch made for it, so its success status is exact too (201/200).
 */
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { IssuingService } from '../../server/issuing/issuing-service.ts';
import type { Scope, TokenBrands } from '../../server/registry/tokens.ts';
import { statusService } from '../../server/status/status-service.ts';
import { parseWatchInput } from '../../shared/watch-input.ts';
import { testService, watchBody } from '../helpers/service.ts';

const svc = testService({ brands: ['ZEN'] });
const issuing = new IssuingService(svc.registry);
const status = statusService(svc.registry);
let n = 0;
/** A fresh HUB watch, optionally reported stolen. */
const fresh = (stolen = false) => {
  const serial = `MTX${String(++n).padStart(6, '0')}`;
  issuing.issue(parseWatchInput(watchBody({ serial })), 'HUB', 'test');
  if (stolen) status.change('HUB', serial, 'stolen', 'test');
  return serial;
};

interface Route {
  name: string;
  /** Scopes that may call it (admin always may, for its brands). */
  scopes: Scope[];
  /** Only the operator's tokens. */
  operatorOnly?: boolean;
  /** Status of an allowed call. */
  ok: number;
  call(): { method: 'get' | 'post'; path: string; body?: object; headers?: Record<string, string> };
}

const ROUTES: Route[] = [
  {
    name: 'issue',
    scopes: ['issue'],
    ok: 201,
    call: () => ({
      method: 'post',
      path: '/api/v1/certificates',
      body: watchBody({ serial: `MTXN${++n}`, issuer: 'HUB' }),
    }),
  },
  {
    name: 'batch',
    scopes: ['issue'],
    ok: 200,
    call: () => ({
      method: 'post',
      path: '/api/v1/certificates/batch',
      body: { items: [watchBody({ serial: `MTXB${++n}`, issuer: 'HUB' })] },
      headers: { 'Idempotency-Key': `matrix-${n}` },
    }),
  },
  {
    name: 'read',
    scopes: ['read'],
    ok: 200,
    call: () => ({ method: 'get', path: `/api/v1/certificates/${fresh()}?issuer=HUB` }),
  },
  {
    name: 'QR png',
    scopes: ['read'],
    ok: 200,
    call: () => ({ method: 'get', path: `/api/v1/certificates/${fresh()}/qr.png?issuer=HUB` }),
  },
  {
    name: 'QR svg',
    scopes: ['read'],
    ok: 200,
    call: () => ({ method: 'get', path: `/api/v1/certificates/${fresh()}/qr.svg?issuer=HUB` }),
  },
  {
    name: 'retailer check',
    scopes: ['report', 'read'],
    ok: 200,
    call: () => ({ method: 'get', path: `/api/v1/certificates/${fresh()}/check?issuer=HUB` }),
  },
  {
    name: 'revoke',
    scopes: [],
    ok: 200,
    call: () => ({
      method: 'post',
      path: `/api/v1/certificates/${fresh()}/revoke?issuer=HUB`,
      body: { reason: 'matrix' },
    }),
  },
  {
    name: 'report stolen',
    scopes: ['report'],
    ok: 200,
    call: () => ({
      method: 'post',
      path: `/api/v1/certificates/${fresh()}/stolen?issuer=HUB`,
      body: {},
    }),
  },
  {
    name: 'recover',
    scopes: [],
    ok: 200,
    call: () => ({
      method: 'post',
      path: `/api/v1/certificates/${fresh(true)}/recovered?issuer=HUB`,
      body: {},
    }),
  },
  {
    name: 'reissue',
    scopes: ['issue'],
    ok: 201,
    call: () => ({
      method: 'post',
      path: `/api/v1/certificates/${fresh()}/reissue?issuer=HUB`,
      body: {},
    }),
  },
  {
    name: 'claim code',
    scopes: ['issue'],
    ok: 201,
    call: () => ({ method: 'post', path: `/api/v1/certificates/${fresh()}/claim-code?issuer=HUB` }),
  },
  {
    name: 'list brands',
    scopes: ['read', 'issue', 'report'],
    ok: 200,
    call: () => ({ method: 'get', path: '/api/v1/brands' }),
  },
  {
    name: 'add a brand',
    scopes: [],
    operatorOnly: true,
    ok: 201,
    call: () => ({
      method: 'post',
      path: '/api/v1/brands',
      body: { code: `NB${++n}`, name: `New ${n}` },
    }),
  },
];

const revoked = svc.token(['admin'], 'revoked-admin');
svc.registry.tokens.revoke(revoked, svc.clock.now);

type Caller = { name: string; header?: string; scopes?: Scope[]; brands?: TokenBrands };
const CALLERS: Caller[] = [
  { name: 'no token' },
  { name: 'not a Bearer header', header: 'Token abc' },
  { name: 'junk token', header: 'Bearer not-a-token' },
  { name: 'unknown token', header: `Bearer hmk_AAAAAAAAAAAA_${'A'.repeat(43)}` },
  { name: 'revoked token', header: `Bearer ${revoked}` },
  { name: 'HUB issue', scopes: ['issue'], brands: ['HUB'] },
  { name: 'HUB read', scopes: ['read'], brands: ['HUB'] },
  { name: 'HUB report', scopes: ['report'], brands: ['HUB'] },
  { name: 'HUB admin', scopes: ['admin'], brands: ['HUB'] },
  { name: 'ZEN admin (another brand)', scopes: ['admin'], brands: ['ZEN'] },
  { name: 'operator admin', scopes: ['admin'], brands: '*' },
];

/** The exact status a caller must get on a route. */
function expected(route: Route, caller: Caller): number {
  if (!caller.scopes) return 401;
  const admin = caller.scopes.includes('admin');
  if (!admin && !caller.scopes.some((s) => route.scopes.includes(s))) return 403;
  if (route.operatorOnly) return caller.brands === '*' ? route.ok : 403;
  // Listing brands works for any brand; everything else acts on HUB's watches.
  if (route.name !== 'list brands' && caller.brands !== '*' && !caller.brands!.includes('HUB'))
    return 403;
  return route.ok;
}

function snapshot() {
  const db = svc.registry.db;
  return [
    'SELECT count(*) FROM certificates',
    "SELECT count(*) FROM certificates WHERE status != 'active'",
    'SELECT count(*) FROM events',
    'SELECT count(*) FROM ownership',
    'SELECT count(*) FROM idempotency_keys',
    'SELECT count(*) FROM brands',
    'SELECT count(*) FROM keys',
  ].map((sql) => db.prepare(sql).pluck().get());
}

describe.each(ROUTES)('$name', (route) => {
  it.each(CALLERS)('$name', async (caller) => {
    const header =
      caller.header ??
      (caller.scopes ? `Bearer ${svc.token(caller.scopes, `m${++n}`, caller.brands)}` : undefined);
    const call = route.call();
    const before = snapshot();
    let req = request(svc.app)
      [call.method](call.path)
      .set(call.headers ?? {});
    if (header) req = req.set('Authorization', header);
    const res = call.body ? await req.send(call.body) : await req;
    const want = expected(route, caller);
    expect(res.status, JSON.stringify(res.body)).toBe(want);
    if (want >= 400) {
      expect(res.body.error.code).toBe(want === 401 ? 'UNAUTHENTICATED' : 'FORBIDDEN');
      if (want === 401) expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
      expect(snapshot()).toEqual(before);
    }
  });
});
