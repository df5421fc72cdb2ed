/**
 * `npm run bench:log`: what the public issuance log costs, measured in one run.
 * 1. Issuing throughput with the log against without it: the service's own path (the
 *    issuing service's group commit, 64 requests in flight, a WAL database file), in
 *    interleaved rounds so both see the same machine. "Without" is a registry whose log
 *    sequences nothing (bench instrumentation only; production has no such switch). Next to
 *    it, the raw Ed25519 signing rate of the same run.
 * 2. Tile bytes per 1,000 certificates: every hash tile and entry bundle a mirror or CDN
 *    holds for the tree, full and partial, divided by the certificates logged.
 * 3. The page: bytes and milliseconds the online log check adds, in headless Chromium at a
 *    phone viewport (verdict on screen → log line on screen; the log requests' bytes; the
 *    log code's share of the page's JavaScript).
 */
import { generateKeyPairSync, sign } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';
import pino from 'pino';
import { startCheckpointer } from '../../server/db/checkpointer.ts';
import { openDatabase } from '../../server/db/database.ts';
import { IssuingService } from '../../server/issuing/issuing-service.ts';
import { openLogIdentity, publishCheckpoint } from '../../server/log/log-service.ts';
import { createRegistry, type Registry } from '../../server/registry/registry.ts';
import { toQr } from '../../shared/qr.ts';
import { tilesOf } from '../../shared/tlog/tiles.ts';
import { buildPage } from '../../web/build.ts';
import { launchChromium, PHONE } from '../../test/helpers/browser.ts';
import { addTestBrand, signTestTrustList } from '../../test/helpers/registry.ts';
import { fmt, opsPerSecond, row } from './measure.ts';
import { benchApp, benchWatch, postIssue } from './registry.ts';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 40);
const PER_ROUND = Number(process.env.BENCH_ISSUES ?? 500);
const IN_FLIGHT = 64;
const dir = mkdtempSync(join(tmpdir(), 'hallmark-bench-log-'));

const checkpointers: { stop(): Promise<void> }[] = [];
/** A registry on a WAL file with the service's background WAL checkpoints, as in production. */
function fileRegistry(name: string): Registry {
  const now = Math.floor(Date.now() / 1000);
  const file = join(dir, `${name}.db`);
  const registry = createRegistry(openDatabase(file), {
    passphrase: 'benchmark passphrase only',
    legacyBrand: 'HUB',
    now: () => now,
  });
  addTestBrand(registry, 'HUB', { name: 'Hublot' });
  checkpointers.push(startCheckpointer(registry.db, file, pino({ level: 'silent' })));
  return registry;
}

const watch = benchWatch;

/** Issues `count` certificates through the group commit with IN_FLIGHT callers; returns issues/s. */
async function issueRate(service: IssuingService, prefix: string, count: number): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  const caller = async () => {
    while (next < count) {
      const n = next++;
      await service.issueQueued(watch(`${prefix}${String(n).padStart(8, '0')}`), 'HUB', 'bench');
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, caller));
  return count / ((performance.now() - t0) / 1000);
}

process.stdout.write(
  `bench:log — ${ROUNDS} alternating rounds of ${fmt(PER_ROUND)} issues with and without the log\n\n`,
);
const logged = fileRegistry('with-log');
const unlogged = fileRegistry('without-log');
// Bench instrumentation: the same registry code, with a log that only counts (no leaf
// hashes, no tiles, no rows). The indexes it hands out keep every view and QR well-formed.
let counted = 0;
(unlogged as { log: Pick<Registry['log'], 'size' | 'appendAt'> }).log = {
  size: () => counted,
  appendAt: (_at, entries) => entries.map(() => counted++),
};
const withLog = new IssuingService(logged);
const withoutLog = new IssuingService(unlogged);
const key = generateKeyPairSync('ed25519').privateKey;
const message = Buffer.alloc(300, 7);
const seconds = { with: 0, without: 0 };
const signRates: number[] = [];
await issueRate(withLog, 'WARM', 2000);
await issueRate(withoutLog, 'WARM', 2000);
// Short alternating rounds, the order flipped each time: both see the same machine drift.
for (let r = 0; r < ROUNDS; r++) {
  const pair = [
    ['with', withLog],
    ['without', withoutLog],
  ] as const;
  for (const [name, service] of r % 2 === 0 ? pair : [...pair].reverse())
    seconds[name] += PER_ROUND / (await issueRate(service, `${name[0]}${r}X`, PER_ROUND));
  if (r % 8 === 0) signRates.push(opsPerSecond(() => sign(null, message, key), 200));
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const withRate = (ROUNDS * PER_ROUND) / seconds.with;
const withoutRate = (ROUNDS * PER_ROUND) / seconds.without;
row('issuing with the log (group commit, 64 in flight)', `${fmt(withRate)}/s`);
row('issuing without the log (same code, no sequencing)', `${fmt(withoutRate)}/s`);
row('  ratio (goal ≥ 90 %)', `${fmt((100 * withRate) / withoutRate, 1)} %`);
row('raw Ed25519 signatures (reference, same run)', `${fmt(median(signRates))}/s`);

// 1b. The same comparison through the HTTP API, what an ERP sees: one app per registry on
// loopback, 32 keep-alive clients, alternating rounds.
const httpSeconds = { with: 0, without: 0 };
const servers = await Promise.all(
  [logged, unlogged].map(async (registry) => {
    const server = createServer(benchApp(registry));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const token = registry.tokens.create('bench', ['issue'], ['HUB'], registry.now()).token;
    return { server, port: (server.address() as AddressInfo).port, token };
  }),
);
const agent = new Agent({ keepAlive: true, maxSockets: 32 });
let httpSerial = 0;
const issueOverHttp = async (port: number, token: string) => {
  const { status } = await postIssue(
    agent,
    port,
    token,
    `H${String(++httpSerial).padStart(9, '0')}`,
  );
  if (status !== 201) throw new Error(`HTTP ${status}`);
};
const httpRound = async (port: number, token: string, count: number) => {
  let left = count;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      while (left-- > 0) await issueOverHttp(port, token);
    }),
  );
  return (performance.now() - t0) / 1000;
};
await httpRound(servers[0]!.port, servers[0]!.token, 500);
await httpRound(servers[1]!.port, servers[1]!.token, 500);
for (let r = 0; r < ROUNDS / 2; r++) {
  const pair = [
    ['with', servers[0]!],
    ['without', servers[1]!],
  ] as const;
  for (const [name, s] of r % 2 === 0 ? pair : [...pair].reverse())
    httpSeconds[name] += await httpRound(s.port, s.token, PER_ROUND);
}
agent.destroy();
for (const s of servers) s.server.close();
const httpWith = ((ROUNDS / 2) * PER_ROUND) / httpSeconds.with;
const httpWithout = ((ROUNDS / 2) * PER_ROUND) / httpSeconds.without;
row('HTTP API with the log (32 clients, same process)', `${fmt(httpWith)}/s`);
row('HTTP API without the log', `${fmt(httpWithout)}/s`);
row('  ratio (goal ≥ 90 %)', `${fmt((100 * httpWith) / httpWithout, 1)} %`);

await Promise.all(checkpointers.map((c) => c.stop()));

// 2. Tile bytes per 1,000 certificates.
const size = logged.log.size();
let hashBytes = 0;
let entryBytes = 0;
for (const t of tilesOf(size)) {
  hashBytes += logged.log.tile(t.level, t.n, t.width)!.length;
  if (t.level === 0) entryBytes += logged.log.entryBundle(t.n, t.width)!.length;
}
process.stdout.write('\n');
row(`log size after the rounds`, `${fmt(size)} entries`);
row('hash tiles per 1,000 certificates', `${fmt((hashBytes / size) * 1000)} B`);
row('entry bundles per 1,000 certificates', `${fmt((entryBytes / size) * 1000)} B`);
row('all tiles per 1,000 certificates', `${fmt(((hashBytes + entryBytes) / size) * 1000)} B`);

if (process.env.BENCH_SKIP_PAGE) process.exit(0);

// 3. The page's online log check.
const pageNow = Math.floor(Date.now() / 1000) - 3600;
const page = createRegistry(openDatabase(':memory:'), {
  passphrase: 'benchmark passphrase only',
  legacyBrand: 'HUB',
  now: () => pageNow,
});
addTestBrand(page, 'HUB', { name: 'Hublot' });
const identity = openLogIdentity(page, 'verify.example/log', page.now());
signTestTrustList(page);
const pageIssuing = new IssuingService(page);
for (let i = 0; i < 100_000; i += 5000)
  page.db.transaction(() => {
    for (let j = i; j < i + 5000; j++)
      pageIssuing.issueInside(watch(`PG${String(j).padStart(8, '0')}`), 'HUB', 'bench');
  })();
publishCheckpoint(page, identity, page.now());
const build = await buildPage({
  roots: page.trust.rootJwks(),
  trustList: page.trust.latest()!.jws,
});
const app = benchApp(page, build);
const server = createServer(app);
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
const browser = await launchChromium();
const addedMs: number[] = [];
const addedBytes: number[] = [];
let requests = 0;
try {
  for (let i = 0; i < 7; i++) {
    const { record } = pageIssuing.issue(watch(`PGV${String(i).padStart(6, '0')}`), 'HUB', 'bench');
    publishCheckpoint(page, identity, page.now());
    const context = await browser.newContext(PHONE);
    const p = await context.newPage();
    let bytes = 0;
    let count = 0;
    p.on('response', (response) => {
      if (!new URL(response.url()).pathname.startsWith('/log/')) return;
      count++;
      void response.body().then(
        (b) => (bytes += b.length + 200), // + about 200 B of response headers
        () => undefined,
      );
    });
    await p.goto(`${base}/#${toQr(record.certificate, base).text.split('#')[1]}`);
    await p.locator('#verdict [data-log="recorded"]').waitFor();
    addedMs.push(
      await p.evaluate(
        () =>
          performance.getEntriesByName('hallmark:log-checked')[0]!.startTime -
          performance.getEntriesByName('hallmark:verdict')[0]!.startTime,
      ),
    );
    await p.waitForTimeout(100);
    addedBytes.push(bytes);
    requests = count;
    await context.close();
  }
} finally {
  await browser.close();
  server.close();
}
// The log code's share of the page's JavaScript, from esbuild's own accounting.
const meta = await esbuild.build({
  entryPoints: ['web/src/main.ts'],
  bundle: true,
  minify: true,
  format: 'esm',
  write: false,
  metafile: true,
  define: { __TRUST_ROOTS__: '[]', __TRUST_LIST__: 'null', __BUILD_TIME__: '0' },
});
let logJs = 0;
let allJs = 0;
for (const output of Object.values(meta.metafile.outputs))
  for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
    allJs += bytesInOutput;
    if (input.includes('shared/tlog/') || input.endsWith('web/src/log.ts')) logJs += bytesInOutput;
  }
const js = meta.outputFiles[0]!.contents;
process.stdout.write('\n');
row(
  'page: verdict → log line on screen (median of 7)',
  `${fmt(median(addedMs), 1)} ms`,
  `log of ${fmt(page.log.size())} entries`,
);
row(
  'page: bytes of the log check (checkpoint + tiles)',
  `${fmt(median(addedBytes))} B`,
  `${requests} requests, headers ≈ 200 B each`,
);
row(
  'page: log code in the page script (minified)',
  `${fmt(logJs)} B`,
  `of ${fmt(allJs)} B (${fmt(gzipSync(js).length)} B gzip in all)`,
);
rmSync(dir, { recursive: true, force: true });
