/** Every protected endpoint × every way a token can be wrong → 401/403, and nothing changes. */
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { IssuingService } from '../../server/issuing/issuing-service.ts';
import type { Scope } from '../../server/registry/tokens.ts';
import { parseWatchInput } from '../../shared/watch-input.ts';
import { testService, watchBody } from '../helpers/service.ts';

const svc = testService();
const revoked = svc.token(['admin'], 'revoked-admin');
svc.registry.tokens.revoke(revoked, svc.clock.now);
// One certificate so read endpoints have something to (not) return.
new IssuingService(svc.registry).issue(
  parseWatchInput(watchBody({ serial: 'EXIST0001' })),
  'HUB',
  'test',
);

interface Endpoint {
  method: 'get' | 'post';
  path: string;
  scope: Scope;
  body?: object;
  headers?: Record<string, string>;
}
export const PROTECTED: Endpoint[] = [
  {
    method: 'post',
    path: '/api/v1/certificates',
    scope: 'issue',
    body: watchBody({ serial: 'NEW00001' }),
  },
  {
    method: 'post',
    path: '/api/v1/certificates/batch',
    scope: 'issue',
    body: { items: [watchBody({ serial: 'NEWBATCH1' })] },
    headers: { 'Idempotency-Key': 'auth-test' },
  },
  { method: 'get', path: '/api/v1/certificates/EXIST0001', scope: 'read' },
  { method: 'get', path: '/api/v1/certificates/EXIST0001/qr.png', scope: 'read' },
  { method: 'get', path: '/api/v1/certificates/EXIST0001/qr.svg', scope: 'read' },
];

const wrongScope = (scope: Scope): Scope[] =>
  (['issue', 'read', 'report'] as Scope[]).filter((s) => s !== scope);
const cases = (e: Endpoint) =>
  [
    ['no token', undefined, 401],
    ['malformed header', 'Token abc', 401],
    ['bearer with junk', 'Bearer not-a-token', 401],
    ['unknown token', `Bearer hmk_AAAAAAAAAAAA_${'A'.repeat(43)}`, 401],
    ['revoked token', `Bearer ${revoked}`, 401],
    ['wrong scope', `Bearer ${svc.token(wrongScope(e.scope))}`, 403],
  ] as const;

function snapshot() {
  const db = svc.registry.db;
  return {
    certificates: svc.registry.certificates.count(),
    events: (db.prepare('SELECT count(*) AS n FROM events').get() as { n: number }).n,
    lists: db.prepare('SELECT * FROM status_lists').all(),
  };
}

describe.each(PROTECTED)('$method $path (scope $scope)', (endpoint) => {
  it.each(cases(endpoint))('%s → %i, nothing changed', async (_name, header, status) => {
    const before = snapshot();
    let req = request(svc.app)
      [endpoint.method](endpoint.path)
      .set(endpoint.headers ?? {});
    if (header) req = req.set('Authorization', header);
    const res = endpoint.body ? await req.send(endpoint.body) : await req;
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(status === 401 ? 'UNAUTHENTICATED' : 'FORBIDDEN');
    if (status === 401) expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
    expect(snapshot()).toEqual(before);
  });

  it('the right scope, and admin, are accepted', async () => {
    for (const scopes of [[endpoint.scope], ['admin']] as Scope[][]) {
      const req = request(svc.app)
        [endpoint.method](endpoint.path)
        .set(endpoint.headers ?? {})
        .set('Authorization', `Bearer ${svc.token(scopes)}`);
      const res = endpoint.body ? await req.send(endpoint.body) : await req;
      expect(res.status).toBeLessThan(300);
    }
  });
});

describe('token lifecycle', () => {
  it('a revoked token stops working on its very next request', async () => {
    const token = svc.token(['read']);
    const get = () =>
      request(svc.app)
        .get('/api/v1/certificates/EXIST0001')
        .set('Authorization', `Bearer ${token}`);
    expect((await get()).status).toBe(200);
    expect(svc.registry.tokens.revoke(token, svc.clock.now)).toBe(true);
    const res = await get();
    expect(res.status).toBe(401);
    expect(res.body.error.message).toMatch(/revoked/);
  });

  it('stores only a hash of the secret', () => {
    const token = svc.token(['read'], 'hash-check');
    const secret = token.slice(-43);
    const row = svc.registry.db
      .prepare("SELECT * FROM tokens WHERE label = 'hash-check'")
      .get() as Record<string, unknown>;
    expect(JSON.stringify(row)).not.toContain(secret);
    expect((row.secret_hash as Buffer).length).toBe(32);
  });
});
