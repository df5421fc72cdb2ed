/**
 * Prometheus metrics on their own port, from the real service process (one process, then two
 * workers aggregated by the primary): the text format parses with an independent parser, the
 * counters move with what is issued, and no label carries a serial, a path or a token.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../server/db/database.ts';
import { hallmark, REPO } from '../helpers/cli.ts';
import { freePort, PASSPHRASE, startServiceProcess, watchBody } from '../helpers/service.ts';
import { testDbLocation } from '../helpers/db.ts';

interface Family {
  name: string;
  type: string;
  samples: { name: string; labels: Record<string, string>; value: number }[];
}

/** GET /metrics, parsed by Prometheus's own Python client (test/independent/parse_metrics.py). */
async function scrape(port: number): Promise<{ text: string; families: Map<string, Family> }> {
  const response = await fetch(`http://127.0.0.1:${port}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  const text = await response.text();
  const parsed = JSON.parse(
    // Debian's python3, where python3-prometheus-client installs (scripts/install-system-deps.sh).
    execFileSync('/usr/bin/python3', [join(REPO, 'test/independent/parse_metrics.py')], {
      input: text,
      encoding: 'utf8',
    }),
  ) as Family[];
  return { text, families: new Map(parsed.map((f) => [f.name, f])) };
}

/** The sum of a family's samples named `sample` (default: the family) with these labels. */
const value = (
  families: Map<string, Family>,
  name: string,
  labels: Record<string, string> = {},
  sample = name,
): number =>
  (families.get(name)?.samples ?? [])
    .filter((s) => s.name === sample && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);

async function post(url: string, token: string | undefined, body: unknown): Promise<number> {
  const response = await fetch(`${url}/api/v1/certificates`, {
    method: 'POST',
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      'content-type': 'application/json',
    },
    body: JSON.stringify(body),
  });
  await response.arrayBuffer();
  return response.status;
}

/** The service process (`workers` of them) with metrics on a port of their own, and an issue token. */
async function serviceWithMetrics(workers: number) {
  const dir = mkdtempSync(join(tmpdir(), 'hallmark-metrics-'));
  const metricsPort = await freePort();
  const env = {
    HALLMARK_DB: testDbLocation(dir, 'h.db'),
    HALLMARK_KEY_PASSPHRASE: PASSPHRASE,
    HALLMARK_ISSUER: 'HUB',
    HALLMARK_WORKERS: String(workers),
    HALLMARK_METRICS_PORT: String(metricsPort),
  };
  const svc = await startServiceProcess(env, dir);
  const token = hallmark(['tokens', 'create', '--scope', 'issue', '--label', 'erp'], {
    cwd: dir,
    env,
  }).stdout.trim();
  return { env, svc, metricsPort, token };
}

describe('Prometheus metrics', { timeout: 90_000 }, () => {
  it('one process: issue outcomes by brand, request latency by route, status-list builds, database, keys and imports', async () => {
    const { env, svc, metricsPort, token } = await serviceWithMetrics(1);
    try {
      const before = (await scrape(metricsPort)).families;
      const statuses = [
        await post(svc.url, token, watchBody({ serial: 'METRIC0001' })),
        await post(svc.url, token, watchBody({ serial: 'METRIC0002' })),
        await post(svc.url, token, watchBody({ serial: 'METRIC0003' })),
        await post(svc.url, token, watchBody({ serial: 'METRIC0001' })),
        await post(svc.url, token, watchBody({ serial: 'METRIC0001', model: 'Another Model' })),
        await post(svc.url, token, { serial: 'x' }),
        await post(svc.url, undefined, watchBody({ serial: 'METRIC0004' })),
      ];
      expect(statuses).toEqual([201, 201, 201, 200, 409, 400, 401]);
      const status = await fetch(`${svc.url}/status/0.jwt`);
      expect(status.status).toBe(200);
      // A completed command-line import, as the audit trail records it.
      const db = openDatabase(env.HALLMARK_DB);
      db.prepare(
        "INSERT INTO events (at, actor, action, detail) VALUES (1, 'cli:import', 'import.completed', ?)",
      ).run(JSON.stringify({ rows: 1000, issued: 900, existing: 60, rejected: 40, seconds: 0.5 }));
      db.close();

      const { text, families } = await scrape(metricsPort);
      const issued = (outcome: string, brand = 'HUB') =>
        value(
          families,
          'hallmark_certificates_issued',
          { brand, outcome },
          'hallmark_certificates_issued_total',
        ) -
        value(
          before,
          'hallmark_certificates_issued',
          { brand, outcome },
          'hallmark_certificates_issued_total',
        );
      expect([issued('201'), issued('200'), issued('409'), issued('4xx', 'none')]).toEqual([
        3, 1, 1, 2,
      ]);
      expect(families.get('hallmark_certificates_issued')!.type).toBe('counter');
      expect(families.get('hallmark_http_request_duration_seconds')!.type).toBe('histogram');
      const latency = (route: string, status: string) =>
        value(
          families,
          'hallmark_http_request_duration_seconds',
          { route, method: 'POST', status },
          'hallmark_http_request_duration_seconds_count',
        );
      expect([
        latency('/api/v1/certificates/', '2xx'),
        latency('/api/v1/certificates/', '4xx'),
      ]).toEqual([4, 3]);
      expect(
        value(
          families,
          'hallmark_status_list_builds',
          { brand: 'HUB' },
          'hallmark_status_list_builds_total',
        ),
      ).toBeGreaterThanOrEqual(1);
      expect(value(families, 'hallmark_database_up')).toBe(1);
      expect(value(families, 'hallmark_signing_key_ready', { brand: 'HUB' })).toBe(1);
      expect(value(families, 'hallmark_last_import_rows_per_second')).toBe(2000);
      expect(value(families, 'hallmark_imported_rows', { outcome: 'issued' })).toBe(900);
      expect(value(families, 'process_resident_memory_bytes')).toBeGreaterThan(0);
      // No label carries a serial, a path with one, or any part of the token.
      // The token is hmk_<12-character id>_<43-character secret>; both parts may hold '_'.
      const [id, secret43] = [token.slice(4, 16), token.slice(17)];
      expect(secret43).toHaveLength(43);
      for (const secret of ['METRIC000', '/status/0.jwt', token, id, secret43])
        expect(text).not.toContain(secret);
      // Never on the public port.
      expect((await fetch(`${svc.url}/metrics`)).status).toBe(404);
    } finally {
      expect(await svc.stop()).toBe(0);
    }
  });

  it('two workers: the primary answers for both, counters summed', async () => {
    const { svc, metricsPort, token } = await serviceWithMetrics(2);
    try {
      // New connections each time, so that both workers take some.
      const statuses = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          post(svc.url, token, watchBody({ serial: `CLUSTERM${String(i).padStart(3, '0')}` })),
        ),
      );
      expect(statuses.every((s) => s === 201)).toBe(true);
      const { families } = await scrape(metricsPort);
      expect(
        value(
          families,
          'hallmark_certificates_issued',
          { outcome: '201' },
          'hallmark_certificates_issued_total',
        ),
      ).toBe(20);
      expect(value(families, 'hallmark_database_up')).toBe(1);
    } finally {
      expect(await svc.stop()).toBe(0);
    }
  });
});
