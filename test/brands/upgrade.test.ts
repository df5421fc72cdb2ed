/**
 * Upgrade in place: a registry written before brands existed (test/fixtures/legacy, made by
 * the previous release) is opened by today's code. Its brand and keys become the first brand,
 * its tokens that brand's tokens, and every certificate it issued still verifies with its old
 * QR code, now through a root-signed trust list. The one certificate the old single key
 * signed for another brand code no longer verifies.
 */
import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../server/db/database.ts';
import { createApp } from '../../server/http/app.ts';
import { createRegistry } from '../../server/registry/registry.ts';
import { toQr } from '../../shared/qr.ts';
import { verifyTrustList } from '../../shared/trust-list.ts';
import { verify } from '../../shared/verify.ts';
import { ROOT_JWKS, signTestTrustList } from '../helpers/registry.ts';
import { keySetFromJwks } from '../../shared/keys.ts';

const FIXTURE = new URL('../fixtures/legacy/', import.meta.url);
const PASSPHRASE = 'legacy fixture passphrase 2026';
const LEGACY_URL = 'https://verify.legacy.example/';

function openCopy() {
  const dir = mkdtempSync(join(tmpdir(), 'hallmark-upgrade-'));
  const file = join(dir, 'hallmark.db');
  copyFileSync(new URL('registry-v4.db', FIXTURE), file);
  const db = openDatabase(file);
  const registry = createRegistry(db, {
    passphrase: PASSPHRASE,
    legacyBrand: 'DEMO',
    now: () => Math.floor(Date.now() / 1000),
  });
  return { db, registry };
}

describe('a registry from before brands', () => {
  it('is adopted by its brand: keys, tokens and status lists, recorded in the audit trail', () => {
    const { db, registry } = openCopy();
    expect(registry.brands.list().map((b) => b.code)).toEqual(['DEMO']);
    expect(registry.keys.list().map((k) => [k.brand, k.state])).toEqual([['DEMO', 'active']]);
    expect(registry.tokens.list().map((t) => [t.label, t.brands])).toEqual([
      ['bootstrap-admin', ['DEMO']],
      ['legacy-erp', ['DEMO']],
    ]);
    expect(db.prepare('SELECT DISTINCT brand FROM status_lists').pluck().all()).toEqual(['DEMO']);
    const adopted = db
      .prepare("SELECT detail FROM events WHERE action = 'brand.adopted_legacy_registry'")
      .pluck()
      .all() as string[];
    expect(adopted.map((d) => JSON.parse(d))).toEqual([
      { brand: 'DEMO', keys: 1, tokens: 2, lists: 1, foreignCertificates: 1 },
    ]);
    // The legacy key still opens, and it is DEMO's.
    expect(registry.keys.active('DEMO').kid).toBe(registry.keys.list()[0]!.kid);
    db.close();
    // Opening again changes nothing more.
    const again = openCopy();
    expect(again.registry.brands.list()).toHaveLength(1);
    again.db.close();
  });

  it('every DEMO certificate still verifies from its old QR code, through a signed trust list; the ROLEX one does not', () => {
    const { db, registry } = openCopy();
    const list = verifyTrustList(signTestTrustList(registry).jws, keySetFromJwks(ROOT_JWKS));
    const verdicts = [...registry.certificates.all()].map((r) => [
      r.issuer,
      r.serial,
      verify(toQr(r.certificate, LEGACY_URL).text, list.keys, { now: new Date() }),
    ]);
    expect(verdicts.filter(([iss]) => iss === 'DEMO')).toHaveLength(3);
    for (const [iss, serial, verdict] of verdicts) {
      if (iss === 'DEMO')
        expect(verdict, String(serial)).toMatchObject({ ok: true, brandName: 'DEMO' });
      else expect(verdict).toMatchObject({ ok: false, code: 'KEY_NOT_FOR_BRAND' });
    }
    db.close();
  });

  it("the old ERP token keeps issuing for its brand, and only for it; the stolen watch's status list is DEMO's", async () => {
    const { db, registry } = openCopy();
    const app = createApp({
      registry,
      logger: pino({ level: 'silent' }),
      config: {
        publicUrl: LEGACY_URL,
        defaultIssuer: 'DEMO',
        publicRateLimit: 1000,
        trustProxy: 0,
      },
    });
    const token = readFileSync(new URL('issue-token.txt', FIXTURE), 'utf8').trim();
    const watch = {
      serial: 'UPG0000001',
      reference: '441.NX.1170.RX',
      model: 'Big Bang Unico 42 mm',
      caseMaterial: 'King Gold',
      calibre: 'HUB1280',
      manufacturedOn: '2026-03-02',
    };
    const post = (body: object) =>
      request(app).post('/api/v1/certificates').set('Authorization', `Bearer ${token}`).send(body);
    const issued = await post(watch);
    expect(issued.status).toBe(201);
    expect(issued.body.issuer).toBe('DEMO');
    expect(issued.body.url.startsWith(LEGACY_URL)).toBe(true);
    expect((await post({ ...watch, serial: 'RLX0002', issuer: 'ROLEX' })).status).toBe(403);
    const stolen = registry.certificates.findLatest('DEMO', 'SM26B0000042')!;
    expect(stolen.status).toBe('stolen');
    db.close();
  });
});
