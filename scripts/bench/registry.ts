/** Shared benchmark setup: a registry, the watch every benchmark issues, and the app. */
import { request, type Agent } from 'node:http';
import pino from 'pino';
import { openDatabase } from '../../server/db/database.ts';
import { createApp } from '../../server/http/app.ts';
import type { Claims } from '../../shared/claims.ts';
import { parseWatchInput, type WatchInput } from '../../shared/watch-input.ts';
import type { PageBuild } from '../../web/build.ts';
import { createRegistry, type Registry } from '../../server/registry/registry.ts';
import { addTestBrand, signTestTrustList } from '../../test/helpers/registry.ts';

/**
 * A fresh registry (in memory, or in the file `path`) with one brand (HUB), its key, a trust
 * list and a frozen clock.
 */
export function benchRegistry(
  now = Math.floor(Date.now() / 1000),
  path = ':memory:',
): {
  registry: Registry;
  now: number;
} {
  const registry = openBenchRegistry(path, now);
  addTestBrand(registry, 'HUB', { name: 'Hublot' });
  signTestTrustList(registry);
  return { registry, now };
}

/** A benchmark registry opened again (from another thread: its file, the same passphrase). */
export function openBenchRegistry(path: string, now: number): Registry {
  return createRegistry(openDatabase(path), {
    passphrase: 'benchmark passphrase only',
    legacyBrand: 'HUB',
    now: () => now,
  });
}

/** The watch fields every benchmark issues, with `serial`. */
export const BENCH_WATCH = {
  reference: '441.NX.1170.RX',
  model: 'Big Bang Unico 42 mm',
  caseMaterial: 'King Gold',
  calibre: 'HUB1280',
  manufacturedOn: '2026-03-02',
} as const;

export const benchWatch = (serial: string): WatchInput =>
  parseWatchInput({ serial, ...BENCH_WATCH });

/** The claims of the bench watch with `serial` and status index `sli`, issued now (for printing). */
export const benchClaims = (serial: string, sli: number): Claims => ({
  v: 1,
  iss: 'HUB',
  sn: serial,
  ref: BENCH_WATCH.reference,
  mdl: BENCH_WATCH.model,
  cas: BENCH_WATCH.caseMaterial,
  cal: BENCH_WATCH.calibre,
  mfd: BENCH_WATCH.manufacturedOn,
  iat: Math.floor(Date.now() / 1000),
  sli,
  gen: 1,
});

/** The real app over `registry`, silent, with no rate limit in the way. */
export function benchApp(registry: Registry, page?: PageBuild, publicUrl = 'http://127.0.0.1/') {
  return createApp({
    registry,
    ...(page ? { page } : {}),
    logger: pino({ level: process.env.BENCH_LOG_LEVEL ?? 'silent' }),
    config: { publicUrl, defaultIssuer: 'HUB', publicRateLimit: 1e9, trustProxy: 0 },
  });
}

/** POSTs one issue of the bench watch with `serial` over `agent`: its status and milliseconds. */
export function postIssue(
  agent: Agent,
  port: number,
  token: string,
  serial: string,
): Promise<{ status: number; ms: number }> {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify({ serial, ...BENCH_WATCH });
    const start = performance.now();
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/api/v1/certificates',
        method: 'POST',
        agent,
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode!, ms: performance.now() - start }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
