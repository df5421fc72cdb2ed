/**
 * Several service nodes over one PostgreSQL registry (the cluster test/global-setup.ts
 * starts): they start together, issue one certificate per serial between them, share their
 * rate limits, elect one log publisher, and survive the death of a node with nothing lost and
 * nothing duplicated. Runs in every test run, on SQLite's as well as PostgreSQL's.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../server/db/database.ts';
import { keySetFromJwks, type KeySet } from '../../shared/keys.ts';
import { verify } from '../../shared/verify.ts';
import { hallmark } from '../helpers/cli.ts';
import { freshPostgresUrl } from '../helpers/db.ts';
import { until } from '../helpers/until.ts';
import {
  PASSPHRASE,
  startServiceProcess,
  watchBody,
  type ServiceProcess,
} from '../helpers/service.ts';

describe('two nodes on one PostgreSQL registry', { timeout: 180_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'hallmark-pgnodes-'));
  const env = {
    HALLMARK_DB: freshPostgresUrl(),
    HALLMARK_KEY_PASSPHRASE: PASSPHRASE,
    HALLMARK_ISSUER: 'HUB',
    HALLMARK_PUBLIC_RATE_LIMIT: '30',
    HALLMARK_LOG_LEVEL: 'info',
  };
  let a: ServiceProcess;
  let b: ServiceProcess;
  let token: string;
  let jwks: KeySet;

  beforeAll(async () => {
    // Both start at once on an empty database: one does the first-start work, once.
    [a, b] = await Promise.all([startServiceProcess(env, dir), startServiceProcess(env, dir)]);
    token = hallmark(['tokens', 'create', '--scope', 'issue', '--label', 'erp'], {
      cwd: dir,
      env,
    }).stdout.trim();
    expect(token).toMatch(/^hmk_/);
    // Before the rate-limit test uses up the public allowance.
    jwks = keySetFromJwks(await (await fetch(`${a.url}/.well-known/jwks.json`)).json());
  });
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
  });

  const count = (sql: string, ...params: unknown[]) => {
    const db = openDatabase(env.HALLMARK_DB, { readonly: true });
    try {
      return db
        .prepare(sql)
        .pluck()
        .get(...params) as number;
    } finally {
      db.close();
    }
  };
  const issue = (node: ServiceProcess, serial: string) =>
    fetch(`${node.url}/api/v1/certificates`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(watchBody({ serial })),
    });

  it('started together: one brand, one key, one admin token, one set of sample certificates', () => {
    expect(count('SELECT count(*) FROM brands')).toBe(1);
    expect(count("SELECT count(*) FROM keys WHERE state = 'active'")).toBe(1);
    expect(count("SELECT count(*) FROM tokens WHERE label = 'bootstrap-admin'")).toBe(1);
    expect([a.adminToken, b.adminToken].filter(Boolean)).toHaveLength(1);
    expect(count('SELECT count(*) FROM certificates')).toBe(
      count('SELECT count(*) FROM log_entries'),
    );
  });

  it('64 concurrent issues of one serial, spread over both nodes → exactly one certificate', async () => {
    const results = await Promise.all(
      Array.from({ length: 64 }, (_, i) =>
        issue(i % 2 ? a : b, 'PGNODES01').then(async (r) => ({
          status: r.status,
          body: (await r.json()) as { jws?: string },
        })),
      ),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    expect(results.filter((r) => r.status === 200)).toHaveLength(63);
    expect(new Set(results.map((r) => r.body.jws)).size).toBe(1);
    expect(count("SELECT count(*) FROM certificates WHERE serial = 'PGNODES01'")).toBe(1);
    expect(
      count(
        "SELECT count(*) FROM events WHERE action = 'certificate.issued' AND serial = 'PGNODES01'",
      ),
    ).toBe(1);
  });

  it('a rate limit holds across nodes: requests spread over both count once', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++)
      statuses.push((await fetch(`${(i % 2 ? a : b).url}/.well-known/jwks.json`)).status);
    // 30 per minute in all (some may have gone to the test's own earlier calls).
    expect(statuses.filter((s) => s === 200).length).toBeLessThanOrEqual(30);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(10);
    expect(statuses.slice(0, 10).every((s) => s === 200)).toBe(true);
  });

  it('one log publisher at a time; kill -9 of a node mid-burst: the other serves, nothing lost or doubled, every certificate verifies', async () => {
    // Clients issue on both nodes; a request that dies with its node is sent again to the
    // other, as an ERP retries (the same watch again is answered with its certificate).
    const answered = new Map<string, string>();
    let stop = false;
    let killed = false;
    const client = async (c: number) => {
      for (let i = 0; !stop; i++) {
        const serial = `KILL${c}X${String(i).padStart(5, '0')}`;
        let res: Response;
        try {
          res = await issue(c % 2 && !killed ? a : b, serial);
        } catch {
          res = await issue(b, serial);
        }
        expect([200, 201]).toContain(res.status);
        answered.set(serial, ((await res.json()) as { jws: string }).jws);
      }
    };
    const clients = Array.from({ length: 6 }, (_, c) => client(c));
    // Counted answers rather than fixed waits, so that a slow machine still kills node a
    // mid-burst and lets the survivor carry the burst on.
    await until(() => answered.size >= 20);
    killed = true;
    a.child.kill('SIGKILL');
    await a.exited;
    const atKill = answered.size;
    await until(() => answered.size >= atKill + 15);
    stop = true;
    await Promise.all(clients);
    expect(answered.size).toBeGreaterThan(30);

    const db = openDatabase(env.HALLMARK_DB, { readonly: true });
    try {
      const rows = db
        .prepare("SELECT serial, jws, log_index FROM certificates WHERE serial LIKE 'KILL%'")
        .all() as { serial: string; jws: string; log_index: number }[];
      // Every answer is in the registry, once; nothing beyond what was asked.
      expect(rows.length).toBe(answered.size);
      for (const row of rows) expect(answered.get(row.serial)).toBe(row.jws);
      const now = Math.floor(Date.now() / 1000);
      for (const row of rows) expect(verify(row.jws, jwks, { now })).toMatchObject({ ok: true });
      // The log and the audit trail hold each certificate once.
      const total = db.prepare('SELECT count(*) FROM certificates').pluck().get() as number;
      expect(db.prepare('SELECT count(*) FROM log_entries').pluck().get()).toBe(total);
      expect(
        db
          .prepare(
            "SELECT count(*) FROM events WHERE action = 'certificate.issued' AND serial LIKE 'KILL%'",
          )
          .pluck()
          .get(),
      ).toBe(rows.length);
      const indexes = rows.map((r) => r.log_index).sort((x, y) => x - y);
      expect(new Set(indexes).size).toBe(indexes.length);
    } finally {
      db.close();
    }

    // The survivor still serves, and (elected now if the dead node was the publisher)
    // publishes a checkpoint that covers every certificate.
    expect((await issue(b, 'AFTERKILL1')).status).toBe(201);
    const total = count('SELECT count(*) FROM certificates');
    let size = 0;
    for (const t = Date.now(); size < total && Date.now() - t < 15_000;) {
      await new Promise((r) => setTimeout(r, 200));
      // From the database: the public endpoints are rate-limited by the test above.
      size = count('SELECT coalesce(max(size), 0) FROM log_checkpoints');
    }
    expect(size).toBe(total);
  });
});
