/**
 * `npm run bench:hsm`: signing and importing with the brand key in a PKCS#11 token (SoftHSM2,
 * a throwaway token) against the sealed key signing natively, in the same run.
 * 1. Raw signatures per second: Node's native Ed25519 vs CKM_EDDSA through one session.
 * 2. Issuing through the service's group commit (64 requests in flight), key in the token vs
 *    sealed, alternating rounds.
 * 3. `hallmark import` of BENCH_ROWS rows (default 50,000), real processes: the token (each
 *    signing thread with its own session) vs the sealed key.
 */
import { generateKeyPairSync, sign } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../server/db/database.ts';
import { IssuingService } from '../../server/issuing/issuing-service.ts';
import { createRegistry, type Registry } from '../../server/registry/registry.ts';
import { findKey, openToken, signWith } from '../../server/keys/pkcs11-core.mjs';
import { DEFAULT_SIGNERS } from '../../server/import/signer-pool.ts';
import { hsmRawRate } from './hsm-raw.ts';
import { addTestBrand } from '../../test/helpers/registry.ts';
import { createSoftHsm, TOKEN_LABEL, TOKEN_PIN } from '../../test/helpers/softhsm.ts';
import { compareRates, fmt, row } from './measure.ts';
import { benchWatch, BENCH_WATCH } from './registry.ts';

const ROWS = Number(process.env.BENCH_ROWS ?? 50_000);
const hsm = createSoftHsm();
process.env.SOFTHSM2_CONF = hsm.env.SOFTHSM2_CONF; // this process opens the token too
const dir = mkdtempSync(join(tmpdir(), 'hallmark-bench-hsm-'));
const pkcs11 = {
  module: hsm.env.HALLMARK_PKCS11_MODULE!,
  token: TOKEN_LABEL,
  pin: TOKEN_PIN,
};

process.stdout.write(`bench:hsm — SoftHSM2 token vs the sealed key, node ${process.version}\n\n`);

// 1. Raw signatures.
function registry(name: string, inToken: boolean): Registry {
  const now = Math.floor(Date.now() / 1000);
  const r = createRegistry(openDatabase(join(dir, `${name}.db`)), {
    passphrase: 'benchmark passphrase only',
    legacyBrand: 'HUB',
    now: () => now,
    pkcs11: { config: pkcs11, newKeysInToken: inToken },
  });
  addTestBrand(r, 'HUB', { name: 'Hublot' });
  if (inToken) r.keys.rotate('HUB', now, r.keys.newKey('HUB', now, true));
  return r;
}
const tokenRegistry = registry('token', true);
const sealedRegistry = registry('sealed', false);
const tokenKey = tokenRegistry.keys.active('HUB');
const token = openToken(pkcs11);
const { privateKey } = findKey(token, tokenKey.pkcs11Label!);
const native = generateKeyPairSync('ed25519').privateKey;
const message = Buffer.alloc(300, 7);
const raw = compareRates({
  native: () => sign(null, message, native),
  token: () => signWith(token, privateKey, message),
});
row('raw Ed25519, native (node:crypto)', `${fmt(raw.native)}/s`, 'one core');
row(
  'raw Ed25519, PKCS#11 CKM_EDDSA (SoftHSM2)',
  `${fmt(raw.token)}/s`,
  `${fmt((100 * raw.token) / raw.native, 1)} % of native`,
);

// 2. Issuing through the group commit.
async function issueRate(service: IssuingService, prefix: string, count: number) {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: 64 }, async () => {
      while (next < count) {
        const n = next++;
        await service.issueQueued(
          benchWatch(`${prefix}${String(n).padStart(8, '0')}`),
          'HUB',
          'bench',
        );
      }
    }),
  );
  return (performance.now() - t0) / 1000;
}
const services = {
  token: new IssuingService(tokenRegistry),
  sealed: new IssuingService(sealedRegistry),
};
const seconds = { token: 0, sealed: 0 };
const ROUNDS = 20;
const PER_ROUND = 500;
for (let r = 0; r < ROUNDS; r++)
  for (const name of (r % 2 === 0 ? ['token', 'sealed'] : ['sealed', 'token']) as (
    'token' | 'sealed'
  )[])
    seconds[name] += await issueRate(services[name], `${name[0]}${r}X`, PER_ROUND);
const issueToken = (ROUNDS * PER_ROUND) / seconds.token;
const issueSealed = (ROUNDS * PER_ROUND) / seconds.sealed;
process.stdout.write('\n');
row('issuing, sealed key (group commit, 64 in flight)', `${fmt(issueSealed)}/s`);
row(
  'issuing, key in the token',
  `${fmt(issueToken)}/s`,
  `${fmt((100 * issueToken) / issueSealed, 1)} %`,
);
tokenRegistry.db.close();
sealedRegistry.db.close();

// 3. The bulk import, real processes.
const csv = join(dir, 'export.csv');
writeFileSync(
  csv,
  `serial,reference,model,caseMaterial,calibre,manufacturedOn\n${Array.from(
    { length: ROWS },
    (_, i) =>
      `BH${String(i).padStart(10, '0')},${BENCH_WATCH.reference},${BENCH_WATCH.model},${BENCH_WATCH.caseMaterial},${BENCH_WATCH.calibre},${BENCH_WATCH.manufacturedOn}`,
  ).join('\n')}\n`,
);
function importRate(name: string, custody: 'sealed' | 'pkcs11'): number {
  const env = {
    ...process.env,
    ...hsm.env,
    HALLMARK_DB: join(dir, `import-${name}.db`),
    HALLMARK_KEY_PASSPHRASE: 'benchmark passphrase only',
    HALLMARK_ISSUER: 'HUB',
    HALLMARK_KEY_CUSTODY: custody,
  };
  // A registry with its brand (and the brand's first key), as `npm start` would leave it.
  const added = spawnSync(
    process.execPath,
    ['bin/hallmark.js', 'brands', 'add', '--code', 'HUB', '--name', 'Hublot'],
    { env, encoding: 'utf8' },
  );
  if (added.status !== 0) throw new Error(`brands add failed: ${added.stderr}`);
  const run = spawnSync(process.execPath, ['bin/hallmark.js', 'import', csv], {
    env,
    encoding: 'utf8',
  });
  const m = /(\d+) rows: issued (\d+).*\(([\d.]+) s, (\d+) rows\/s\)/.exec(run.stdout);
  if (!m) throw new Error(`import failed:\n${run.stdout}\n${run.stderr}`);
  if (Number(m[2]) !== ROWS)
    throw new Error(`the import issued ${m[2]} of ${ROWS}:\n${run.stdout}`);
  return Number(m[4]);
}
const importSealed = importRate('sealed', 'sealed');
// The token's own rate with as many sessions as the import's signers, just before and just
// after the import through the token: the reference it must keep busy (goal ≥ 80 %).
const tokenKeyLabel = tokenKey.pkcs11Label!;
const rawBefore = await hsmRawRate(pkcs11, tokenKeyLabel, DEFAULT_SIGNERS);
const importToken = importRate('token', 'pkcs11');
const rawAfter = await hsmRawRate(pkcs11, tokenKeyLabel, DEFAULT_SIGNERS);
const rawSessions = (rawBefore + rawAfter) / 2;
process.stdout.write('\n');
row(`hallmark import, ${fmt(ROWS)} rows, sealed key`, `${fmt(importSealed)}/s`);
row(
  `hallmark import, ${fmt(ROWS)} rows, key in the token`,
  `${fmt(importToken)}/s`,
  `${fmt((100 * importToken) / importSealed, 1)} %`,
);
row(
  `raw CKM_EDDSA, ${DEFAULT_SIGNERS} sessions in ${DEFAULT_SIGNERS} threads`,
  `${fmt(rawSessions)}/s`,
  `before ${fmt(rawBefore)}, after ${fmt(rawAfter)}`,
);
row(
  '  import through the token ÷ that (goal ≥ 80 %)',
  `${fmt((100 * importToken) / rawSessions, 1)} %`,
);
rmSync(dir, { recursive: true, force: true });
rmSync(hsm.dir, { recursive: true, force: true });
