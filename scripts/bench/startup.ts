/**
 * `npm run bench:startup`: what the compiled build costs at start, next to Node itself.
 * - `hallmark --version` against `node -e 0` (median of 15 runs each, interleaved): the goal is
 *   at most 2×.
 * - A command that opens the registry (`hallmark tokens list`) against the same through the
 *   TypeScript loader (tsx), as production ran before the build.
 * - A small import (10 new rows, a day's ERP export), process start to exit: what a command
 *   that starts worker threads and opens a sealed key costs before and after its work.
 * - The service's idle RSS once listening: built JavaScript against the tsx loader.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fmt, row } from './measure.ts';
import { freePort } from '../../test/helpers/service.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 15);
const dir = mkdtempSync(join(tmpdir(), 'hallmark-bench-startup-'));
const env = {
  ...process.env,
  HALLMARK_DB: join(dir, 'hallmark.db'),
  HALLMARK_KEY_PASSPHRASE: 'benchmark passphrase only',
  HALLMARK_ISSUER: 'HUB',
};
const TSX = ['--import', 'tsx', 'scripts/cli/main.ts'];
const BUILT = ['bin/hallmark.js'];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
function time(args: string[]): number {
  const t0 = performance.now();
  const run = spawnSync(process.execPath, args, { env, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`${args.join(' ')}: ${run.stderr}`);
  return performance.now() - t0;
}
function compare(cases: Record<string, string[]>): Record<string, number> {
  const samples = Object.fromEntries(Object.keys(cases).map((k) => [k, [] as number[]]));
  for (let i = 0; i < RUNS; i++)
    for (const [k, args] of Object.entries(cases)) samples[k]!.push(time(args));
  return Object.fromEntries(Object.entries(samples).map(([k, xs]) => [k, median(xs)]));
}

process.stdout.write(`bench:startup — node ${process.version}, median of ${RUNS} runs\n\n`);
spawnSync(process.execPath, [...BUILT, 'brands', 'add', '--code', 'HUB', '--name', 'Hublot'], {
  env,
});
const t = compare({
  node: ['-e', '0'],
  version: [...BUILT, '--version'],
  tokensBuilt: [...BUILT, 'tokens', 'list'],
  tokensTsx: [...TSX, 'tokens', 'list'],
});
row('node -e 0 (reference)', `${fmt(t.node!, 0)} ms`);
row(
  'hallmark --version (built)',
  `${fmt(t.version!, 0)} ms`,
  `${fmt(t.version! / t.node!, 2)}× node (goal ≤ 2×)`,
);
row('hallmark tokens list (built)', `${fmt(t.tokensBuilt!, 0)} ms`);
row('hallmark tokens list (tsx loader, before)', `${fmt(t.tokensTsx!, 0)} ms`);

// Each run imports rows new to the registry: the whole path, keys opened and rows signed.
const small = Array.from({ length: RUNS }, (_, run) => {
  const file = join(dir, `small-${run}.csv`);
  let csv = 'serial,reference,model,caseMaterial,calibre,manufacturedOn\n';
  for (let i = 0; i < 10; i++)
    csv += `SM${run}X${i},441.NX.1170.RX,Big Bang Unico 42 mm,King Gold,HUB1280,2026-03-02\n`;
  writeFileSync(file, csv);
  return time([...BUILT, 'import', file]);
});
row(
  'hallmark import, 10 new rows, start to exit',
  `${fmt(median(small), 0)} ms`,
  `${fmt(median(small) / t.node!, 1)}× node -e 0`,
);

/** Starts `hallmark serve` and reads its RSS once it has listened and settled. */
async function idleRss(args: string[]): Promise<number> {
  const port = await freePort();
  const child = spawn(process.execPath, [...args, 'serve'], {
    env: { ...env, PORT: String(port), HALLMARK_SAMPLE_DATA: 'false' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  while (!out.includes('"msg":"listening"')) {
    if (child.exitCode !== null) throw new Error(`serve exited: ${out}${err}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  await new Promise((r) => setTimeout(r, 2000));
  const status = spawnSync('ps', ['-o', 'rss=', '-p', String(child.pid)], { encoding: 'utf8' });
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  return Number(status.stdout.trim()) / 1024;
}
process.stdout.write('\n');
row('service idle RSS (built)', `${fmt(await idleRss(BUILT), 0)} MB`);
row('service idle RSS (tsx loader, before)', `${fmt(await idleRss(TSX), 0)} MB`);
rmSync(dir, { recursive: true, force: true });
