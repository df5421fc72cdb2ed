/** Token lifecycle: revocation at once, secrets stored only as hashes. (The route × caller matrix: authz-matrix.test.ts.) */
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { IssuingService } from '../../server/issuing/issuing-service.ts';
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
