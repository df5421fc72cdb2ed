/**
 * `npm run bench:service`: certificates issued per second through POST /api/v1/certificates
 * by 32 concurrent keep-alive clients on loopback, with p50/p99 latency, against the real
 * service process (one process, then HALLMARK_WORKERS=2); next to the raw signer rate
 * measured in the same run.
 *
 * The load comes from wrk (C, Debian's package) when installed: a Node client on the second
 * core saturates before the service does. Without wrk, a Node keep-alive client is used and
 * the figure is a lower bound (the script says which).
 *
 * Then the same on PostgreSQL (a throwaway cluster from Debian's binaries, when installed):
 * one node, and two nodes (two service processes on one database, each loaded by half the
 * clients), next to SQLite's figures from the same run.
 */
import { execFile, spawn, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { generateKeyPairSync, sign as nodeSign } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../server/db/database.ts';
import { createRegistry } from '../../server/registry/registry.ts';
import { PgDatabase } from '../../server/db/postgres.ts';
import { postgresBin, startPgCluster } from '../../test/helpers/pg-cluster.ts';
import { addTestBrand } from '../../test/helpers/registry.ts';
import { compareRates, fmt, row } from './measure.ts';
import { postIssue } from './registry.ts';

const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 32);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const WORKER_COUNTS = (process.env.BENCH_WORKERS ?? '1,2').split(',').map(Number);
const PASSPHRASE = 'benchmark passphrase only';
const hasWrk = spawnSync('wrk', ['--version']).error === undefined;

interface Run {
  count: number;
  errors: number;
  elapsed: number;
  p50: number;
  p99: number;
  max: number;
}

/** A fresh registry with a key and an issue token, prepared before the service starts. */
function prepare(dbPath: string): { dbPath: string; token: string } {
  const db = openDatabase(dbPath);
  const now = Math.floor(Date.now() / 1000);
  const registry = createRegistry(db, {
    passphrase: PASSPHRASE,
    legacyBrand: 'HUB',
    now: () => now - 10,
  });
  addTestBrand(registry, 'HUB');
  const { token } = registry.tokens.create('bench', ['issue'], ['HUB'], now);
  db.close();
  return { dbPath, token };
}

async function wrkLoad(
  port: number,
  token: string,
  seconds: number,
  prefix: string,
  clients = CLIENTS,
): Promise<Run> {
  const { stdout: out } = await promisify(execFile)(
    'wrk',
    [
      '-t1',
      `-c${clients}`,
      `-d${seconds}s`,
      '-s',
      'scripts/bench/issue.lua',
      `http://127.0.0.1:${port}`,
      '--',
      token,
      prefix,
    ],
    { encoding: 'utf8' },
  );
  const m = /RESULT (\d+) (\d+) ([\d.]+) ([\d.]+) ([\d.]+) ([\d.]+)/.exec(out);
  if (!m) throw new Error(`unexpected wrk output:\n${out}`);
  const [requests, errors, elapsed, p50, p99, max] = m.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  return { count: requests - errors, errors, elapsed, p50, p99, max };
}

async function nodeLoad(
  port: number,
  token: string,
  seconds: number,
  prefix: string,
  clients = CLIENTS,
): Promise<Run> {
  const agent = new Agent({ keepAlive: true, maxSockets: clients });
  const post = (serial: string) => postIssue(agent, port, token, serial);
  const latencies: number[] = [];
  let errors = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      for (let i = 0; performance.now() < end; i++) {
        const r = await post(`${prefix}${c}X${i}`);
        if (r.status === 201) latencies.push(r.ms);
        else errors++;
      }
    }),
  );
  agent.destroy();
  const sorted = latencies.sort((a, b) => a - b);
  const pct = (p: number) =>
    sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
  return {
    count: sorted.length,
    errors,
    elapsed: (performance.now() - start) / 1000,
    p50: pct(50),
    p99: pct(99),
    max: sorted[sorted.length - 1]!,
  };
}

async function waitForService(port: number): Promise<void> {
  for (let i = 0; i < 300; i++) {
    const ok = await new Promise<boolean>((resolve) =>
      request({ host: '127.0.0.1', port, path: '/healthz' }, (r) => {
        r.resume();
        resolve(r.statusCode === 200);
      })
        .on('error', () => resolve(false))
        .end(),
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('service did not start');
}

/**
 * `nodes` service processes (each with `workers` workers) on the registry at `location`,
 * loaded together: the clients are shared out among the nodes.
 */
async function scenario(workers: number, location?: string, nodes = 1): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), 'hallmark-bench-'));
  const { dbPath, token } = prepare(location ?? join(dir, 'hallmark.db'));
  const flags = (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean);
  const ports = Array.from(
    { length: nodes },
    (_, i) => 18_000 + i * 1000 + Math.floor(Math.random() * 1000),
  );
  const children = ports.map((port) =>
    spawn(process.execPath, [...flags, 'bin/hallmark.js', 'serve'], {
      env: {
        ...process.env,
        PORT: String(port),
        HALLMARK_DB: dbPath,
        HALLMARK_KEY_PASSPHRASE: PASSPHRASE,
        HALLMARK_ISSUER: 'HUB',
        HALLMARK_SAMPLE_DATA: 'false',
        HALLMARK_LOG_LEVEL: 'warn',
        HALLMARK_WORKERS: String(workers),
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    }),
  );
  const load = async (seconds: number, prefix: string): Promise<Run> => {
    const runs = await Promise.all(
      ports.map((port, i) =>
        hasWrk
          ? wrkLoad(port, token, seconds, `${prefix}N${i}`, CLIENTS / nodes)
          : nodeLoad(port, token, seconds, `${prefix}N${i}`, CLIENTS / nodes),
      ),
    );
    // The nodes' counts add up; latency is the worse node's.
    return {
      count: runs.reduce((n, r) => n + r.count, 0),
      errors: runs.reduce((n, r) => n + r.errors, 0),
      elapsed: Math.max(...runs.map((r) => r.elapsed)),
      p50: Math.max(...runs.map((r) => r.p50)),
      p99: Math.max(...runs.map((r) => r.p99)),
      max: Math.max(...runs.map((r) => r.max)),
    };
  };
  try {
    for (const port of ports) await waitForService(port);
    await load(hasWrk ? 2 : 1.5, 'WARM'); // JIT warm-up, not counted
    return await load(SECONDS, 'B');
  } finally {
    for (const child of children) child.kill('SIGTERM');
    await Promise.all(children.map((c) => new Promise((r) => c.once('exit', r))));
    rmSync(dir, { recursive: true, force: true });
  }
}

const generator = hasWrk
  ? 'wrk (C)'
  : 'a Node http client (install wrk for the true figure; this is a lower bound)';
process.stdout.write(
  `Hallmark service benchmark — node ${process.version}, ${CLIENTS} concurrent clients, ${SECONDS} s per run, loopback, load from ${generator}\n`,
);
const { privateKey } = generateKeyPairSync('ed25519');
const input = Buffer.alloc(330, 'a'); // the size of a certificate's JWS signing input
for (const workers of WORKER_COUNTS) {
  const run = await scenario(workers);
  const raw = compareRates({ raw: () => nodeSign(null, input, privateKey) }, 5, 300).raw;
  const rate = run.count / run.elapsed;
  process.stdout.write(
    `\nHALLMARK_WORKERS=${workers} (${workers} service process${workers > 1 ? 'es' : ''})\n`,
  );
  row('raw node:crypto Ed25519 sign, one core', `${fmt(raw)}/s`, 'physical reference (same run)');
  row(
    'issued through POST /api/v1/certificates',
    `${fmt(rate)}/s`,
    `goal ≥ ${workers > 1 ? '3,500' : '2,000'}/s`,
  );
  row('latency p50', `${fmt(run.p50, 2)} ms`);
  row('latency p99', `${fmt(run.p99, 2)} ms`, 'goal < 50 ms');
  row('latency max', `${fmt(run.max, 2)} ms`);
  row('requests not 201', `${run.errors}`, `${run.count} certificates issued`);
}

// PostgreSQL: one node and two nodes on one database, next to SQLite's figures above.
if (process.env.BENCH_POSTGRES !== 'false' && postgresBin()) {
  const cluster = await startPgCluster();
  try {
    let made = 0;
    const admin = new PgDatabase(cluster.url);
    const freshSchema = () => {
      const schema = `bench${++made}`;
      admin.exec(`CREATE SCHEMA ${schema}`);
      return `${cluster.url}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;
    };
    // The round trip every statement pays, measured here: the physical reference.
    const probe = new PgDatabase(cluster.url);
    const one = probe.prepare('SELECT 1');
    const started = performance.now();
    for (let i = 0; i < 2000; i++) one.get();
    const roundTrip = (performance.now() - started) / 2000;
    probe.close();
    for (const nodes of [1, 2]) {
      const run = await scenario(1, freshSchema(), nodes);
      process.stdout.write(
        `\nPostgreSQL ${cluster.bin.split('/').at(-2)}: ${nodes} node${nodes > 1 ? 's' : ''} (one process each) on one database\n`,
      );
      row(
        'one statement, round trip through the data layer',
        `${fmt(roundTrip * 1000)} µs`,
        'reference (same run)',
      );
      row(
        'issued through POST /api/v1/certificates',
        `${fmt(run.count / run.elapsed)}/s`,
        'compare SQLite above',
      );
      row('latency p50 (worse node)', `${fmt(run.p50, 2)} ms`);
      row('latency p99 (worse node)', `${fmt(run.p99, 2)} ms`);
      row('requests not 201', `${run.errors}`, `${run.count} certificates issued`);
    }
    admin.close();
  } finally {
    await cluster.stop();
  }
}
