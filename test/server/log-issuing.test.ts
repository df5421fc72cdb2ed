/**
 * The issuance log inside issuing: every certificate (first issues, re-issues, batches,
 * backfilled old ones) has exactly one leaf, written in its own transaction; a failed issue
 * leaves none. What the log serves (checkpoint, tiles, entry bundles) holds no serial and no
 * claim, has the tlog-tiles caching, and proves each certificate's inclusion against a
 * checkpoint that the trust list's log key signed. The monitor API shows a brand its own
 * certificates only.
 */
import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../server/db/database.ts';
import { openLogIdentity, publishCheckpoint } from '../../server/log/log-service.ts';
import { createRegistry } from '../../server/registry/registry.ts';
import { equalBytes, utf8 } from '../../shared/bytes.ts';
import {
  openLogCheckpoint,
  proveConsistency,
  proveInclusion,
  type TileFetch,
} from '../../shared/tlog/client.ts';
import { certificateEntry, certificateLeaf } from '../../shared/tlog/entry.ts';
import { tilePath, tilesOf } from '../../shared/tlog/tiles.ts';
import { verify } from '../../shared/verify.ts';
import { signTestTrustList, ROOT_JWKS } from '../helpers/registry.ts';
import { testService, watchBody } from '../helpers/service.ts';
import { keySetFromJwks } from '../../shared/keys.ts';
import { verifyTrustList } from '../../shared/trust-list.ts';

const ORIGIN = 'verify.hallmark.example/log';

describe('the issuance log in issuing', () => {
  const svc = testService({ brands: ['ZEN'] });
  const identity = openLogIdentity(svc.registry, ORIGIN, svc.clock.now);
  signTestTrustList(svc.registry); // now naming the log's key
  const issuer = svc.token(['issue', 'read']);
  const zen = svc.token(['issue', 'read'], 'zen', ['ZEN']);
  const admin = svc.token(['admin'], 'ops', '*');
  const fetchTile: TileFetch = async (path) => {
    const res = await request(svc.app).get(`/log/${path}`);
    if (res.status !== 200) throw new Error(`${path}: ${res.status}`);
    return new Uint8Array(res.body as Buffer);
  };
  const issued: { serial: string; logIndex: number; jws: string; url: string }[] = [];
  const post = (token: string, body: Record<string, unknown>, issuerCode?: string) =>
    request(svc.app)
      .post('/api/v1/certificates')
      .set('authorization', `Bearer ${token}`)
      .send(issuerCode ? { ...body, issuer: issuerCode } : body);

  beforeAll(async () => {
    for (let i = 0; i < 300; i++) {
      const res = await post(issuer, watchBody({ serial: `HUBLOG${String(i).padStart(4, '0')}` }));
      expect(res.status).toBe(201);
      issued.push(res.body as (typeof issued)[number]);
    }
  });

  const logSize = () => svc.registry.log.size();
  const certificateCount = () =>
    svc.registry.db.prepare('SELECT count(*) FROM certificates').pluck().get() as number;

  it('gives each certificate the next index, in the answer, the QR, the row and the audit event', () => {
    expect(issued.map((c) => c.logIndex)).toEqual(issued.map((_, i) => i));
    const keys = svc.registry.trust.latest()!.keys;
    const verdict = verify(issued[42]!.url, keys, { now: svc.clock.now });
    expect(verdict).toMatchObject({ ok: true, logIndex: 42 });
    const event = svc.registry.db
      .prepare("SELECT detail FROM events WHERE serial = 'HUBLOG0042'")
      .pluck()
      .get() as string;
    expect(JSON.parse(event)).toMatchObject({ logIndex: 42 });
    expect(logSize()).toBe(certificateCount());
  });

  it('a refused issue (conflict, bad input, foreign brand, replay) adds no leaf', async () => {
    const before = logSize();
    expect((await post(issuer, watchBody({ serial: 'HUBLOG0001', model: 'Other' }))).status).toBe(
      409,
    );
    expect((await post(issuer, watchBody({ serial: 'HUBLOG0002' }))).status).toBe(200);
    expect((await post(issuer, watchBody({ serial: 'x' }))).status).toBe(400);
    expect((await post(zen, watchBody({ serial: 'HUBLOG9999' }), 'HUB')).status).toBe(403);
    expect(logSize()).toBe(before);
    expect(logSize()).toBe(certificateCount());
  });

  it('a re-issue is a new leaf; the replaced certificate keeps its own', async () => {
    const before = logSize();
    const res = await request(svc.app)
      .post('/api/v1/certificates/HUBLOG0003/reissue')
      .set('authorization', `Bearer ${admin}`)
      .send({ reason: 'card damaged' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ generation: 2, logIndex: before });
    expect(logSize()).toBe(before + 1);
    expect(logSize()).toBe(certificateCount());
  });

  it('every certificate is the leaf at its index, proved from tiles against a signed checkpoint', async () => {
    publishCheckpoint(svc.registry, identity, svc.clock.now);
    const list = verifyTrustList(svc.registry.trust.latest()!.jws, keySetFromJwks(ROOT_JWKS));
    expect(list.log?.origin).toBe(ORIGIN);
    const note = (await request(svc.app).get('/log/checkpoint')).text;
    const checkpoint = openLogCheckpoint(note, list.log!);
    expect(checkpoint.size).toBe(logSize());
    const rows = svc.registry.db
      .prepare('SELECT log_index, jws FROM certificates ORDER BY log_index')
      .all() as { log_index: number; jws: string }[];
    expect(rows.map((r) => r.log_index)).toEqual(rows.map((_, i) => i));
    for (const row of rows.filter((_, i) => i % 37 === 0 || i === rows.length - 1))
      await proveInclusion(fetchTile, checkpoint, row.log_index, certificateLeaf(row.jws));
    // Another certificate's leaf at that index does not prove.
    await expect(
      proveInclusion(fetchTile, checkpoint, 7, certificateLeaf(rows[8]!.jws)),
    ).rejects.toThrow(/does not lead to the tree head/);
  });

  it('serves immutable tiles and entry bundles, and 404s for what does not exist', async () => {
    const tile = await request(svc.app).get('/log/tile/0/000');
    expect(tile.status).toBe(200);
    expect(tile.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(tile.headers['access-control-allow-origin']).toBe('*');
    expect(tile.headers['content-type']).toBe('application/octet-stream');
    expect((tile.body as Buffer).length).toBe(256 * 32);
    const bundle = await request(svc.app).get('/log/tile/entries/000');
    const body = bundle.body as Buffer;
    expect(body.length).toBe(256 * 35);
    expect(equalBytes(body.subarray(2, 35), certificateEntry(issued[0]!.jws))).toBe(true);
    for (const path of [
      'tile/0/999', // beyond the tree
      'tile/0/001', // not full yet
      'tile/0/000.p/0',
      'tile/0/000.p/256',
      'tile/0/000.p/07',
      'tile/0/0',
      'tile/0/x000/001',
      'tile/64/000',
      'tile/entries/001.p/250',
      'tile/0/000/../../checkpoint',
    ]) {
      const res = await request(svc.app).get(`/log/${path}`);
      expect(res.status, path).toBe(404);
    }
  });

  it('publishes no serial, claim, brand or key: entries are hashes of whole certificates', async () => {
    const size = logSize();
    const served = [(await request(svc.app).get('/log/checkpoint')).text];
    for (const t of tilesOf(size)) {
      served.push((await request(svc.app).get(`/log/${tilePath(t.level, t.n, t.width)}`)).body);
      if (t.level === 0)
        served.push((await request(svc.app).get(`/log/${tilePath('entries', t.n, t.width)}`)).body);
    }
    const all = Buffer.concat(served.map((s) => (typeof s === 'string' ? Buffer.from(s) : s)));
    for (const needle of ['HUBLOG0042', 'HUB', 'Hublot', 'Big Bang', issued[0]!.jws.split('.')[0]!])
      expect(all.includes(Buffer.from(utf8(needle))), needle).toBe(false);
  });

  it('consistency between two checkpoints is proved from tiles; a forged head is a split view', async () => {
    const older = openLogCheckpoint(svc.registry.log.latestCheckpoint()!, {
      origin: ORIGIN,
      logKey: identity.signer,
      witnesses: [],
      quorum: 0,
    });
    await post(issuer, watchBody({ serial: 'HUBLOGNEXT' }));
    publishCheckpoint(svc.registry, identity, svc.clock.now + 1);
    const newer = openLogCheckpoint(svc.registry.log.latestCheckpoint()!, {
      origin: ORIGIN,
      logKey: identity.signer,
      witnesses: [],
      quorum: 0,
    });
    expect(newer.size).toBe(older.size + 1);
    await proveConsistency(fetchTile, older, newer);
    const forged = { ...older, root: new Uint8Array(32).fill(1) };
    await expect(proveConsistency(fetchTile, forged, newer)).rejects.toThrow(/not consistent/);
  });

  it('the log tables are append-only in the database itself', () => {
    const { db } = svc.registry;
    expect(() =>
      db.prepare('UPDATE log_entries SET leaf = ? WHERE idx = 0').run(Buffer.from([0])),
    ).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM log_entries WHERE idx = 0').run()).toThrow(/append-only/);
    // What the entry bundles derive from cannot change either.
    expect(() => db.prepare("UPDATE certificates SET jws = 'x' WHERE log_index = 0").run()).toThrow(
      /a certificate never changes/,
    );
    expect(() =>
      db.prepare('UPDATE certificates SET log_index = 99 WHERE log_index = 0').run(),
    ).toThrow(/log index never changes/);
    expect(() => db.prepare('DELETE FROM log_hashes WHERE idx = 0').run()).toThrow(/append-only/);
  });

  it('the monitor API: a token sees its brands only; anonymous is refused; spans are bounded', async () => {
    await post(zen, watchBody({ serial: 'ZENLOG0001' }), 'ZEN');
    const get = (token: string | undefined, query: string) => {
      const r = request(svc.app).get(`/api/v1/log/certificates?${query}`);
      return token ? r.set('authorization', `Bearer ${token}`) : r;
    };
    expect((await get(undefined, 'from=0&to=10')).status).toBe(401);
    const everything = `from=0&to=${logSize()}`;
    const hub = (await get(issuer, everything)).body as { certificates: { issuer: string }[] };
    const zenView = (await get(zen, everything)).body as {
      certificates: { issuer: string; index: number }[];
    };
    const all = (await get(admin, everything)).body as { certificates: unknown[] };
    expect(new Set(hub.certificates.map((c) => c.issuer))).toEqual(new Set(['HUB']));
    expect(zenView.certificates.map((c) => [c.issuer, c.index])).toEqual([['ZEN', logSize() - 1]]);
    expect(all.certificates).toHaveLength(logSize());
    const tooWide = await get(admin, 'from=0&to=5000');
    expect(tooWide.status).toBe(400);
    expect(tooWide.body.error.fields).toEqual([
      { path: 'to', message: expect.stringMatching(/from \+ 1000/) },
    ]);
    expect((await get(admin, 'from=-1&to=3')).status).toBe(400);
    expect((await get(admin, 'from=0&to=3&extra=1')).status).toBe(400);
  });
});

describe('a registry from before the log', () => {
  it('gives every old certificate its leaf at start, in issue order, once', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hallmark-backfill-'));
    const file = join(dir, 'hallmark.db');
    copyFileSync(new URL('../fixtures/legacy/registry-v4.db', import.meta.url), file);
    const open = () => {
      const db = openDatabase(file);
      return createRegistry(db, {
        passphrase: 'legacy fixture passphrase 2026',
        legacyBrand: 'DEMO',
        now: () => Math.floor(Date.now() / 1000),
      });
    };
    const first = open();
    const rows = first.db
      .prepare('SELECT id, log_index, jws FROM certificates ORDER BY id')
      .all() as { id: number; log_index: number; jws: string }[];
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.map((r) => r.log_index)).toEqual(rows.map((_, i) => i));
    expect(first.log.size()).toBe(rows.length);
    const entries = first.db
      .prepare('SELECT leaf, certificate_id FROM log_entries ORDER BY idx')
      .all() as { leaf: Buffer; certificate_id: number }[];
    rows.forEach((r, i) => {
      expect(entries[i]!.certificate_id).toBe(r.id);
      expect(equalBytes(entries[i]!.leaf, certificateLeaf(r.jws))).toBe(true);
    });
    expect(first.log.entryBundle(0, rows.length)!.subarray(2, 35)).toEqual(
      Buffer.from(certificateEntry(rows[0]!.jws)),
    );
    first.db.close();
    const again = open();
    expect(again.log.size()).toBe(rows.length);
    again.db.close();
  });
});
