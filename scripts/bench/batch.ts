/**
 * `npm run bench:batch`: how a 1,000-item batch affects single issues arriving meanwhile.
 * One service process on loopback; 4 clients issue single certificates back to back for the
 * whole run, while 1,000-item batches (Idempotency-Key each) are sent one after another.
 * Prints the single issues' p50/p99 latency with and without batches running, the batch
 * duration, and the raw Ed25519 signing rate measured in the same run (the reference).
 */
import { generateKeyPairSync, sign } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { watchBody } from '../../test/helpers/service.ts';
import { fmt, opsPerSecond, row } from './measure.ts';
import { benchApp, benchRegistry } from './registry.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 6);
const { registry } = benchRegistry();
const token = registry.tokens.create('bench', ['issue'], ['HUB'], registry.now()).token;
const app = benchApp(registry, undefined, 'https://verify.example/');
const server = createServer(app);
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };

let n = 0;
const single = async (): Promise<number> => {
  const t0 = performance.now();
  const res = await fetch(`${base}/api/v1/certificates`, {
    method: 'POST',
    headers,
    body: JSON.stringify(watchBody({ serial: `SB${String(++n).padStart(9, '0')}` })),
  });
  await res.arrayBuffer();
  if (res.status !== 201) throw new Error(`single issue: HTTP ${res.status}`);
  return performance.now() - t0;
};
const batch = async (): Promise<number> => {
  const items = Array.from({ length: 1000 }, () =>
    watchBody({ serial: `BB${String(++n).padStart(9, '0')}` }),
  );
  const t0 = performance.now();
  const res = await fetch(`${base}/api/v1/certificates/batch`, {
    method: 'POST',
    headers: { ...headers, 'Idempotency-Key': `bench-${n}` },
    body: JSON.stringify({ items }),
  });
  const body = (await res.json()) as { issued: number };
  if (res.status !== 200 || body.issued !== 1000) throw new Error(`batch: HTTP ${res.status}`);
  return performance.now() - t0;
};

/** Latencies of 4 back-to-back single-issue clients for `ms`, with `during` running alongside. */
async function singles(ms: number, during?: () => Promise<number>) {
  const latencies: number[] = [];
  const batches: number[] = [];
  const until = performance.now() + ms;
  const client = async () => {
    while (performance.now() < until) latencies.push(await single());
  };
  const batcher = async () => {
    while (during && performance.now() < until) batches.push(await during());
  };
  await Promise.all([client(), client(), client(), client(), batcher()]);
  return { latencies, batches };
}

const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))]!;

await singles(800); // warm-up
const quiet = await singles(SECONDS * 500);
const busy = await singles(SECONDS * 1000, batch);
const key = generateKeyPairSync('ed25519').privateKey;
const message = Buffer.alloc(300, 7);
const raw = opsPerSecond(() => sign(null, message, key), 1000);
server.close();

process.stdout.write(
  'Hallmark batch benchmark — one process, loopback, 4 single-issue clients\n\n',
);
row(
  'single issue p50 / p99, no batch',
  `${fmt(pct(quiet.latencies, 50), 1)} / ${fmt(pct(quiet.latencies, 99), 1)} ms`,
  `${quiet.latencies.length} issues`,
);
row(
  'single issue p50 / p99, during 1,000-item batches',
  `${fmt(pct(busy.latencies, 50), 1)} / ${fmt(pct(busy.latencies, 99), 1)} ms`,
  `goal p99 < 50 ms; ${busy.latencies.length} issues, max ${fmt(Math.max(...busy.latencies), 1)} ms`,
);
row(
  '1,000-item batch duration (median)',
  `${fmt(pct(busy.batches, 50), 0)} ms`,
  `${busy.batches.length} batches`,
);
row('reference: raw Ed25519 signing, one core', `${fmt(raw, 0)}/s`, 'node:crypto, same run');
