/** /.well-known/hallmark-trust-list.jwt: the installed list, gzip, tagged by its seq, 304 when held. */
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { keySetFromJwks } from '../../shared/keys.ts';
import { verifyTrustList } from '../../shared/trust-list.ts';
import { addTestBrand, ROOT_JWKS, signTestTrustList } from '../helpers/registry.ts';
import pino from 'pino';
import { createApp } from '../../server/http/app.ts';
import { createRegistry } from '../../server/registry/registry.ts';
import { PASSPHRASE, PUBLIC_URL, testService } from '../helpers/service.ts';

const PATH = '/.well-known/hallmark-trust-list.jwt';

describe('the trust list route', () => {
  it('serves the newest installed list, verified, gzip, cacheable; 304 to a page that holds it', async () => {
    const svc = testService();
    const res = await request(svc.app)
      .get(PATH)
      .set('Accept-Encoding', 'gzip')
      .buffer(true)
      .parse((r, done) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => done(null, Buffer.concat(chunks)));
      });
    expect(res.status).toBe(200);
    expect(res.headers['content-encoding']).toBe('gzip');
    expect(res.headers.etag).toBe('"trust-1"');
    expect(res.headers['cache-control']).toMatch(/public, max-age=300/);
    // (supertest has gunzipped the body already)
    const list = verifyTrustList((res.body as Buffer).toString(), keySetFromJwks(ROOT_JWKS));
    expect(list.payload.brands.map((b) => b.name)).toEqual(['Hublot']);
    const held = await request(svc.app).get(PATH).set('If-None-Match', '"trust-1"');
    expect(held.status).toBe(304);
    expect(held.text ?? '').toBe('');

    addTestBrand(svc.registry, 'ZEN', { name: 'Zenith' });
    signTestTrustList(svc.registry);
    const newer = await request(svc.app).get(PATH).set('If-None-Match', '"trust-1"');
    expect(newer.status).toBe(200);
    expect(newer.headers.etag).toBe('"trust-2"');
    expect(verifyTrustList(newer.text, keySetFromJwks(ROOT_JWKS)).payload.seq).toBe(2);
  });

  it('404 before any list is installed; a damaged stored list is an error, never served', async () => {
    const svc = testService();
    svc.registry.db.prepare('DELETE FROM trust_lists').run();
    const fresh = () =>
      createApp({
        registry: createRegistry(svc.registry.db, {
          passphrase: PASSPHRASE,
          legacyBrand: 'HUB',
          now: () => svc.clock.now,
        }),
        logger: pino({ level: 'silent' }),
        config: {
          publicUrl: PUBLIC_URL,
          defaultIssuer: 'HUB',
          publicRateLimit: 100,
          trustProxy: 0,
        },
      });
    expect((await request(fresh()).get(PATH)).status).toBe(404);
    signTestTrustList(svc.registry);
    expect((await request(fresh()).get(PATH)).status).toBe(200);
    svc.registry.db
      .prepare("UPDATE trust_lists SET jws = substr(jws, 1, length(jws) - 8) || 'AAAAAAAA'")
      .run();
    const damaged = await request(fresh()).get(PATH);
    expect(damaged.status).toBe(500);
    expect(damaged.text).not.toContain('.');
  });
});
