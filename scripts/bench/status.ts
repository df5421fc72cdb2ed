/**
 * `npm run bench:status`: the signed status list for 1,000,000 certificates with 1 % revoked
 * or stolen, built from a real registry (rows inserted directly: signing is not what is
 * measured here). Size of the list (gzip) and time to build it; next to the raw reference in
 * the same run: gzip of the bare 2-bit bitstring alone.
 */
import { gzipSync } from 'node:zlib';
import { fromBase64url } from '../../shared/bytes.ts';
import { setStatus, STATUS_LIST_SIZE } from '../../shared/status-list.ts';
import { statusLists } from '../../server/status/status-lists.ts';
import { fmt, row } from './measure.ts';
import { benchRegistry } from './registry.ts';

const N = Number(process.env.BENCH_CERTIFICATES ?? 1_000_000);
const FLAGGED = Number(process.env.BENCH_FLAGGED_PERCENT ?? 1) / 100;
const { registry, now } = benchRegistry();
const { db } = registry;
const kid = registry.keys.active('HUB').kid;

const t0 = performance.now();
const indexes = db.transaction(() => registry.statusIndex.allocateMany('HUB', N))();
const insert = db.prepare(
  "INSERT INTO certificates (issuer, serial, generation, status, status_index, kid, claims, jws, issued_at) VALUES ('HUB', ?, 1, ?, ?, ?, '{}', '', ?)",
);
let flagged = 0;
db.transaction(() => {
  for (let i = 0; i < N; i++) {
    const r = Math.random();
    const status = r < FLAGGED / 2 ? 'revoked' : r < FLAGGED ? 'stolen' : 'active';
    if (status !== 'active') flagged++;
    insert.run(`B${i}`, status, indexes[i]!, kid, now);
  }
})();
const setupSeconds = (performance.now() - t0) / 1000;

const lists = statusLists(registry);
lists.build(0); // warm-up (JIT, statement)
const times: number[] = [];
let built = lists.build(0)!;
for (let i = 0; i < 5; i++) {
  const t = performance.now();
  built = lists.build(0)!;
  times.push(performance.now() - t);
}
const median = [...times].sort((a, b) => a - b)[2]!;
const payload = JSON.parse(Buffer.from(built.jws.split('.')[1]!, 'base64url').toString()) as {
  lst_gz: string;
};
const compressed = fromBase64url(payload.lst_gz).length;
const servedGzip = gzipSync(built.jws, { level: 9 }).length;

// Reference: the bare bitstring with the same entries, gzip level 9, nothing else.
const bits = new Uint8Array(STATUS_LIST_SIZE / 4);
for (const r of db
  .prepare("SELECT status_index, status FROM certificates WHERE status != 'active'")
  .iterate() as IterableIterator<{ status_index: number; status: 'revoked' | 'stolen' }>)
  setStatus(bits, r.status_index, r.status);
const t1 = performance.now();
const bare = gzipSync(bits, { level: 9 }).length;
const bareMs = performance.now() - t1;

process.stdout.write(
  `Hallmark status list benchmark — ${fmt(N)} certificates, ${fmt(flagged)} revoked or stolen (${fmt((flagged / N) * 100, 2)} %), list of ${fmt(STATUS_LIST_SIZE)} entries × 2 bits\n`,
);
process.stdout.write(`(registry set up in ${setupSeconds.toFixed(1)} s)\n\n`);
row(
  'reference: gzip of the bare bitstring',
  `${fmt(bare / 1024, 1)} KB`,
  `${fmt(bareMs, 0)} ms to compress`,
);
row('compressed list inside the JWS', `${fmt(compressed / 1024, 1)} KB`, 'goal ≤ 40 KB');
row(
  'status list file (JWS) as served',
  `${fmt(built.jws.length / 1024, 1)} KB`,
  `base64url text; ${fmt(servedGzip / 1024, 1)} KB with HTTP gzip`,
);
row('time to build (query, bits, gzip, sign)', `${fmt(median, 0)} ms`, 'goal ≤ 1 s (median of 5)');
