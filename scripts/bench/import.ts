/**
 * `npm run bench:import` (BENCH_ROWS=100000 by default; set 1000000 for the memory check):
 * a generated CSV imported end to end by the real `hallmark import` process, with its peak
 * RSS; next to the raw reference measured in the same run: native Ed25519 signing in worker
 * threads plus SQLite inserts in a tight loop, on both cores. Then PDF cards per second.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, createWriteStream } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { signCertificate } from '../../shared/certificate.ts';
import { generateSigningKey } from '../../server/keys/signing-key.ts';
import { SignerPool } from '../../server/import/signer-pool.ts';
import { printCards } from '../../server/print/cards.ts';
import { fmt, row } from './measure.ts';
import { benchClaims } from './registry.ts';
import { DEFAULT_SIGNERS } from '../../server/import/signer-pool.ts';
import { softHsmRates } from './hsm-raw.ts';
import { childOf, SAMPLE_MS, sampleThreads, type ThreadCpu } from './thread-cpu.ts';

const ROWS = Number(process.env.BENCH_ROWS ?? 100_000);
const dir = mkdtempSync(join(tmpdir(), 'hallmark-bench-import-'));

async function writeCsv(path: string, rows: number): Promise<void> {
  const out = createWriteStream(path);
  out.write('serial,reference,model,caseMaterial,calibre,manufacturedOn\n');
  for (let i = 0; i < rows; i++) {
    if (
      !out.write(
        `BI${String(i).padStart(10, '0')},441.NX.1170.RX,Big Bang Unico 42 mm,King Gold,HUB1280,2026-03-02\n`,
      )
    )
      await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((r) => out.end(() => r()));
}

/** The physical reference: sign in worker threads and insert in SQLite, as fast as they go. */
async function reference(n: number): Promise<number> {
  const key = generateSigningKey();
  const pool = new SignerPool(2);
  const db = new Database(join(dir, 'reference.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(
    'CREATE TABLE c (id INTEGER PRIMARY KEY, issuer TEXT, serial TEXT, sli INTEGER UNIQUE, jws TEXT, UNIQUE (issuer, serial)); CREATE TABLE e (id INTEGER PRIMARY KEY, serial TEXT, detail TEXT)',
  );
  const ins = db.prepare('INSERT INTO c (issuer, serial, sli, jws) VALUES (?, ?, ?, ?)');
  const ev = db.prepare('INSERT INTO e (serial, detail) VALUES (?, ?)');
  const input =
    'eyJhbGciOiJFZDI1NTE5Iiwia2lkIjoiam9aMEgweFVSLVU2WVJVZWlzbF9sMXFzTHJEbmh0aFlRVGlRdkp2VTEyayJ9.' +
    'A'.repeat(240);
  const chunk = 500;
  const start = performance.now();
  const pending: Promise<Uint8Array[]>[] = [];
  for (let i = 0; i < n; i += chunk) {
    pending.push(
      pool.sign(
        key,
        Array.from({ length: Math.min(chunk, n - i) }, (_, k) => `${input}${i + k}`),
      ),
    );
    if (pending.length >= 2) {
      const sigs = await pending.shift()!;
      const base = i - chunk;
      db.transaction(() =>
        sigs.forEach(
          (s, k) => (
            ins.run(
              'HUB',
              `S${base + k}`,
              base + k,
              `${input}.${Buffer.from(s).toString('base64url')}`,
            ),
            ev.run(`S${base + k}`, '{}')
          ),
        ),
      )();
    }
  }
  let base = Math.floor((n - 1) / chunk) * chunk - (pending.length - 1) * chunk;
  for (const p of pending) {
    const sigs = await p;
    const b = base;
    db.transaction(() =>
      sigs.forEach(
        (s, k) => (
          ins.run('HUB', `S${b + k}`, b + k, `${input}.${Buffer.from(s).toString('base64url')}`),
          ev.run(`S${b + k}`, '{}')
        ),
      ),
    )();
    base += chunk;
  }
  const rate = n / ((performance.now() - start) / 1000);
  await pool.close();
  db.close();
  return rate;
}

/**
 * `hallmark import` under GNU time (peak RSS, wall time), with its threads' CPU sampled while it
 * runs; undefined when GNU time is not installed.
 */
async function timedImport(
  csv: string,
  env: NodeJS.ProcessEnv,
): Promise<{ stdout: string; stderr: string; threads: ThreadCpu | undefined } | undefined> {
  const child = spawn(
    '/usr/bin/time',
    ['-f', 'RSS_KB=%M WALL_S=%e', process.execPath, 'bin/hallmark.js', 'import', csv],
    { env },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<boolean>((resolve) => {
    child.once('error', () => resolve(false));
    child.once('close', () => resolve(true));
  });
  const node = child.pid === undefined ? undefined : await childOf(child.pid);
  const sampler = node === undefined ? undefined : sampleThreads(node);
  if (!(await exited)) return undefined;
  return { stdout, stderr, threads: sampler?.stop() };
}

/** The import's CPU by thread (the names its workers give their threads), in seconds. */
function printThreads(threads: ThreadCpu, wallSeconds: number | undefined): void {
  const ROLES: [string, string][] = [
    ['hm-import', 'import thread: validate, check, write'],
    ['hm-sign', 'signing threads: sign, JWS, log leaf'],
    ['hm-read', 'file reader: decode, parse'],
    ['hm-checkpoint', 'checkpoint thread: WAL into the file'],
  ];
  let total = 0;
  for (const { seconds } of threads.values()) total += seconds;
  row('  its CPU, by thread (Linux /proc)', '', `sampled every ${SAMPLE_MS} ms while it ran`);
  let named = 0;
  for (const [name, label] of ROLES) {
    const entry = threads.get(name);
    if (!entry) continue;
    named += entry.seconds;
    row(
      `    ${label}`,
      `${fmt(entry.seconds, 2)} s`,
      `${entry.threads} thread${entry.threads === 1 ? '' : 's'}, ${fmt((entry.seconds / total) * 100, 0)} %`,
    );
  }
  const other = total - named;
  row(
    '    other: main, V8 GC helpers, libuv (scrypt)',
    `${fmt(other, 2)} s`,
    `${fmt((other / total) * 100, 0)} %`,
  );
  row(
    '    all threads',
    `${fmt(total, 2)} s`,
    wallSeconds
      ? `${fmt(total / wallSeconds, 2)} of ${availableParallelism()} cores busy over the ${fmt(wallSeconds, 2)} s wall`
      : '',
  );
}

try {
  process.stdout.write(
    `Hallmark import benchmark — node ${process.version}, ${fmt(ROWS)} rows\n\n`,
  );
  const csv = join(dir, 'export.csv');
  await writeCsv(csv, ROWS);
  const env = {
    ...process.env,
    HALLMARK_DB: join(dir, 'hallmark.db'),
    HALLMARK_KEY_PASSPHRASE: 'benchmark passphrase only',
    HALLMARK_ISSUER: 'HUB',
  };
  // A registry with its brand (and the brand's first key), as `npm start` would leave it.
  const added = spawnSync(
    process.execPath,
    ['bin/hallmark.js', 'brands', 'add', '--code', 'HUB', '--name', 'Hublot'],
    { env, encoding: 'utf8' },
  );
  if (added.status !== 0) throw new Error(`brands add failed: ${added.stderr}`);
  const ref = await reference(Math.min(ROWS, 100_000));
  const timed = await timedImport(csv, env);
  const hasTime = timed !== undefined;
  const run = timed ?? {
    ...spawnSync(process.execPath, ['bin/hallmark.js', 'import', csv], { env, encoding: 'utf8' }),
    threads: undefined,
  };
  const summary = /(\d+) rows: issued (\d+).*\(([\d.]+) s, (\d+) rows\/s\)/.exec(run.stdout);
  if (!summary) throw new Error(`import failed:\n${run.stdout}\n${run.stderr}`);
  // A benchmark of rejections would measure nothing: every row must have been issued.
  if (Number(summary[2]) !== ROWS)
    throw new Error(`the import issued ${summary[2]} of ${ROWS} rows:\n${run.stdout}`);
  const rss = /RSS_KB=(\d+)/.exec(run.stderr ?? '');
  const wall = /WALL_S=([\d.]+)/.exec(run.stderr ?? '');
  const importRate = Number(summary[4]);
  row(
    'reference: native sign (2 workers) + SQLite insert',
    `${fmt(ref)}/s`,
    'physical reference, same run',
  );
  row(
    'hallmark import: rows issued per second',
    `${fmt(importRate)}/s`,
    `${fmt((importRate / ref) * 100, 1)} % of reference (goal ≥ ${ROWS >= 1_000_000 ? 50 : 60} %)`,
  );
  if (wall)
    row(
      '  end to end, process start to exit',
      `${fmt(ROWS / Number(wall[1]))}/s`,
      `${wall[1]} s wall`,
    );
  if (run.threads) printThreads(run.threads, wall ? Number(wall[1]) : undefined);
  // The brand key in a PKCS#11 token (issue 13): npm run bench:hsm imports through it.
  const hsm = await softHsmRates(DEFAULT_SIGNERS);
  if (hsm)
    row(
      `PKCS#11 signing, ${DEFAULT_SIGNERS} SoftHSM2 sessions`,
      `${fmt(hsm.many)}/s`,
      `one session ${fmt(hsm.one)}/s; import through it: npm run bench:hsm`,
    );
  row(
    'peak RSS of the import process',
    rss ? `${fmt(Number(rss[1]) / 1024, 0)} MB` : 'n/a',
    hasTime
      ? 'goal ≤ 256 MB, flat in the file size (GNU time)'
      : 'install GNU time for this figure',
  );

  const key = generateSigningKey();
  const certs = Array.from({ length: 500 }, (_, i) =>
    signCertificate(benchClaims(`PR${String(i).padStart(8, '0')}`, i), key.kid, key.sign),
  );
  for (const layout of ['sheet', 'single'] as const) {
    const t = performance.now();
    const result = await printCards(certs, { baseUrl: 'https://verify.hallmark.example/', layout });
    const seconds = (performance.now() - t) / 1000;
    writeFileSync(join(dir, `cards-${layout}.pdf`), result.pdf);
    row(
      `PDF cards (${layout}), 500 cards`,
      `${fmt(result.cards / seconds)}/s`,
      `${result.pages} pages, ${fmt(result.pdf.length / 1024)} KB, module ${result.moduleMm.toFixed(2)} mm`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
