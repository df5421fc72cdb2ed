/** Key rotation, sealed keys, and a restart with the wrong passphrase. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { keySetFromJwks } from '../../shared/keys.ts';
import { verify } from '../../shared/verify.ts';
import { openDatabase } from '../../server/db/database.ts';
import { createRegistry } from '../../server/registry/registry.ts';
import { SealError } from '../../server/keys/sealed.ts';
import { hallmark } from '../helpers/cli.ts';
import { PASSPHRASE, startServiceProcess, testService, watchBody } from '../helpers/service.ts';
import { testDbLocation } from '../helpers/db.ts';

describe('key rotation', () => {
  it('old certificates keep verifying; new ones carry the new kid; the JWKS shows both windows', async () => {
    const svc = testService();
    const token = svc.token(['issue']);
    const issue = (serial: string) =>
      request(svc.app)
        .post('/api/v1/certificates')
        .set('Authorization', `Bearer ${token}`)
        .send(watchBody({ serial }));
    const before = (await issue('OLD00001')).body;
    const oldKid = before.kid;

    svc.clock.now += 60;
    const { retired, active } = svc.registry.keys.rotate('HUB', svc.clock.now);
    expect(retired).toBe(oldKid);
    svc.clock.now += 60;
    const after = (await issue('NEW00001')).body;
    expect(after.kid).toBe(active);
    expect(after.kid).not.toBe(oldKid);

    const jwks = (await request(svc.app).get('/.well-known/jwks.json')).body;
    expect(jwks.keys).toHaveLength(2);
    expect(jwks.keys.find((k: { kid: string }) => k.kid === oldKid).exp).toBe(svc.clock.now - 60);
    const keys = keySetFromJwks(jwks);
    expect(verify(before.qr, keys, { now: svc.clock.now })).toMatchObject({
      ok: true,
      kid: oldKid,
    });
    expect(verify(after.qr, keys, { now: svc.clock.now })).toMatchObject({ ok: true, kid: active });
    expect(svc.registry.keys.list().map((k) => k.state)).toEqual(['retired', 'active']);
  });

  it('keys are sealed at rest: the database holds no private key in clear, and the wrong passphrase cannot open it', () => {
    const svc = testService();
    const key = svc.registry.keys.active('HUB');
    const seed = Buffer.from(key.exportSeed());
    const dump = JSON.stringify(svc.registry.db.prepare('SELECT * FROM keys').all());
    for (const form of [seed.toString('hex'), seed.toString('base64url'), seed.toString('base64')])
      expect(dump).not.toContain(form);
    const other = createRegistry(svc.registry.db, {
      passphrase: 'a different passphrase',
      legacyBrand: 'HUB',
      now: () => 0,
    });
    expect(() => other.keys.active('HUB')).toThrow(SealError);
  });

  it('opened ahead of use off the main thread (the importer does), the same key and secret; a wrong passphrase still fails at use', async () => {
    const svc = testService();
    const expected = Buffer.from(svc.registry.keys.active('HUB').exportSeed());
    const secret = Buffer.from(svc.registry.secrets.get('status-index', svc.clock.now));
    const fresh = (passphrase: string) =>
      createRegistry(svc.registry.db, { passphrase, legacyBrand: 'HUB', now: () => 0 });
    const same = fresh(PASSPHRASE);
    await Promise.all([
      same.keys.prefetchActive('HUB'),
      same.secrets.prefetch('status-index', 0, Promise.resolve(true)),
    ]);
    expect(Buffer.from(same.keys.active('HUB').exportSeed())).toEqual(expected);
    expect(Buffer.from(same.secrets.get('status-index', 0))).toEqual(secret);
    const wrong = fresh('a different passphrase');
    await Promise.all([
      wrong.keys.prefetchActive('HUB'),
      wrong.secrets.prefetch('status-index', 0, Promise.resolve(false)),
    ]);
    expect(() => wrong.keys.active('HUB')).toThrow(SealError);
    expect(() => wrong.secrets.get('status-index', 0)).toThrow(SealError);
  });

  it('a missing secret is created off the main thread by prefetch, once: every registry then opens the same one', async () => {
    const svc = testService();
    const other = () =>
      createRegistry(svc.registry.db, { passphrase: PASSPHRASE, legacyBrand: 'HUB', now: () => 0 });
    const [a, b] = [other(), other()];
    const count = () =>
      svc.registry.db
        .prepare("SELECT count(*) FROM registry_secrets WHERE name = 'prefetched-test'")
        .pluck()
        .get();
    expect(count()).toBe(0);
    // Unproven passphrase (the brand's key did not open): nothing is stored.
    await a.secrets.prefetch('prefetched-test', 0, Promise.resolve(false));
    expect(count()).toBe(0);
    // Two creators at once (two processes starting an import together): one sealed secret wins.
    await Promise.all([
      a.secrets.prefetch('prefetched-test', 0, Promise.resolve(true)),
      b.secrets.prefetch('prefetched-test', 0, Promise.resolve(true)),
    ]);
    expect(count()).toBe(1);
    const secret = Buffer.from(a.secrets.get('prefetched-test', 0));
    expect(secret).toHaveLength(32);
    expect(Buffer.from(b.secrets.get('prefetched-test', 0))).toEqual(secret);
    expect(Buffer.from(other().secrets.get('prefetched-test', 0))).toEqual(secret);
    // get() creates one the same way, and a fresh registry opens what it stored.
    const made = Buffer.from(a.secrets.get('made-by-get', 0));
    expect(Buffer.from(other().secrets.get('made-by-get', 0))).toEqual(made);
  });
});

describe('restart with the wrong passphrase', () => {
  it('fails with a clear message and exit 4, no stack trace', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hallmark-pass-'));
    const env = {
      HALLMARK_DB: testDbLocation(dir, 'h.db'),
      HALLMARK_KEY_PASSPHRASE: PASSPHRASE,
      HALLMARK_SAMPLE_DATA: 'false',
    };
    const first = await startServiceProcess(env, dir);
    expect(await first.stop()).toBe(0);

    const wrong = hallmark(['serve'], {
      cwd: dir,
      env: { ...env, HALLMARK_KEY_PASSPHRASE: 'not the right passphrase' },
    });
    expect(wrong.status).toBe(4);
    expect(wrong.stderr).toBe(
      'hallmark: cannot open the signing key: HALLMARK_KEY_PASSPHRASE is wrong or the key data is damaged\n',
    );

    const short = hallmark(['serve'], {
      cwd: dir,
      env: { ...env, HALLMARK_KEY_PASSPHRASE: 'short', PORT: 'eighty' },
    });
    expect(short.status).toBe(2);
    expect(short.stderr).toContain('PORT: ');
    expect(short.stderr).toContain('HALLMARK_KEY_PASSPHRASE: must be at least 12 characters');

    // And the database was not touched by the failed starts.
    const db = openDatabase(env.HALLMARK_DB);
    expect((db.prepare('SELECT count(*) AS n FROM keys').get() as { n: number }).n).toBe(1);
    db.close();
  });

  it('refuses to start in production without a passphrase', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hallmark-prod-'));
    const res = hallmark(['serve'], {
      cwd: dir,
      env: {
        HALLMARK_DB: testDbLocation(dir, 'h.db'),
        NODE_ENV: 'production',
        HALLMARK_KEY_PASSPHRASE: '',
        HALLMARK_PUBLIC_URL: 'https://verify.brand.example/',
      },
    });
    expect(res.status).toBe(2);
    expect(res.stderr).toMatch(/HALLMARK_KEY_PASSPHRASE is required when NODE_ENV=production/);
  });
});

describe('secrets stay out of logs', () => {
  it('no private key bytes or token secrets in the captured log of a busy app', async () => {
    const svc = testService();
    const token = svc.token(['issue', 'read']);
    for (const body of [
      watchBody(),
      watchBody({ model: 'Other' }),
      { junk: true },
      watchBody({ serial: 'LOG00001' }),
    ]) {
      await request(svc.app)
        .post('/api/v1/certificates')
        .set('Authorization', `Bearer ${token}`)
        .send(body);
    }
    await request(svc.app)
      .get('/api/v1/certificates/HB26A0012345/qr.png')
      .set('Authorization', `Bearer ${token}`);
    await request(svc.app)
      .get('/api/v1/certificates/HB26A0012345')
      .set('Authorization', 'Bearer hmk_wrong');
    svc.registry.keys.rotate('HUB', svc.clock.now + 1);
    const log = svc.logs.join('');
    expect(log).toContain('"path":"/api/v1/certificates"');
    const seed = Buffer.from(svc.registry.keys.active('HUB').exportSeed());
    for (const form of [seed.toString('hex'), seed.toString('base64url'), seed.toString('base64')])
      expect(log).not.toContain(form);
    expect(log).not.toContain(token.slice(-43));
    expect(log).not.toMatch(/authorization/i);
  });
});

describe('a compromised key in the registry', () => {
  it('is replaced at once, refused from its compromise, and the JWKS and trust list carry the mark', async () => {
    const svc = testService();
    const erp = svc.token(['issue']);
    const issue = (serial: string) =>
      request(svc.app)
        .post('/api/v1/certificates')
        .set('Authorization', `Bearer ${erp}`)
        .send(watchBody({ serial }));
    const before = (await issue('COMP00001')).body;
    svc.clock.now += 3600;
    const since = svc.clock.now - 1800;
    const marked = svc.registry.keys.markCompromised(before.kid, since, svc.clock.now);
    expect(marked.active).toBeDefined();
    expect(marked.active).not.toBe(before.kid);
    const after = (await issue('COMP00002')).body;
    expect(after.kid).toBe(marked.active);
    const jwk = (await request(svc.app).get('/.well-known/jwks.json')).body.keys.find(
      (k: { kid: string }) => k.kid === before.kid,
    );
    expect(jwk).toMatchObject({ cs: since, exp: since - 1 });
    const { signTestTrustList } = await import('../helpers/registry.ts');
    const list = signTestTrustList(svc.registry);
    expect(list.keys.find((k) => k.kid === before.kid)?.compromisedSince).toBe(since);
    expect(verify(before.qr, list.keys, { now: svc.clock.now })).toMatchObject({
      ok: true,
      keyCompromisedSince: since,
    });
    expect(verify(after.qr, list.keys, { now: svc.clock.now })).toMatchObject({ ok: true });
    expect(svc.registry.keys.list().find((k) => k.kid === before.kid)?.compromisedSince).toBe(
      since,
    );
  });
});
