/**
 * Crash safety: an import of 20,000 rows killed with SIGKILL three times mid-run, and rerun,
 * ends with exactly 20,000 certificates, no duplicate, each audited once, every one verifying.
 * Each kill lands as soon as a reader of the registry sees the run's first committed chunk,
 * and the test proves it landed mid-run: more certificates than before, fewer than all.
 */
import { spawn } from 'node:child_process';
import { createPublicKey, verify as nodeVerify } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fromBase64url, utf8 } from '../../shared/bytes.ts';
import { verify } from '../../shared/verify.ts';
import { openDatabase } from '../../server/db/database.ts';
import { createRegistry } from '../../server/registry/registry.ts';
import { HALLMARK, hallmark } from '../helpers/cli.ts';
import { PASSPHRASE } from '../helpers/service.ts';
import { testDbLocation } from '../helpers/db.ts';

const ROWS = 20_000;

function runImport(
  cwd: string,
  env: Record<string, string>,
  args: string[],
  killWhen?: () => boolean,
) {
  return new Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
    stdout: string;
    stderr: string;
  }>((resolve) => {
    const child = spawn(process.execPath, [HALLMARK, 'import', ...args], {
      cwd,
      env: { ...process.env, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    // Watched, not timed: the kill follows what the registry shows, whatever the machine's speed.
    const watch = killWhen
      ? setInterval(() => {
          if (killWhen()) child.kill('SIGKILL');
        }, 5)
      : undefined;
    child.on('exit', (code, signal) => {
      clearInterval(watch);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

describe('import crash safety', () => {
  it(`${ROWS} rows, killed with SIGKILL three times, rerun: exactly ${ROWS} certificates, all verify`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hallmark-crash-'));
    const env = {
      HALLMARK_DB: testDbLocation(dir, 'h.db'),
      HALLMARK_KEY_PASSPHRASE: PASSPHRASE,
      HALLMARK_ISSUER: 'HUB',
    };
    expect(
      hallmark(['brands', 'add', '--code', 'HUB', '--name', 'Hublot'], { cwd: dir, env }).status,
    ).toBe(0);
    const lines = ['serial,reference,model,caseMaterial,calibre,manufacturedOn'];
    for (let i = 0; i < ROWS; i++)
      lines.push(
        `CR${String(i).padStart(8, '0')},441.NX.1170.RX,Big Bang Unico 42 mm,King Gold,HUB1280,2026-03-02`,
      );
    const file = join(dir, 'export.csv');
    writeFileSync(file, `${lines.join('\n')}\n`);

    const counts: number[] = [];
    const countNow = () => {
      const db = openDatabase(env.HALLMARK_DB);
      const n = (db.prepare('SELECT count(*) AS n FROM certificates').get() as { n: number }).n;
      db.close();
      return n;
    };
    const reader = openDatabase(env.HALLMARK_DB);
    const count = reader.prepare('SELECT count(*) FROM certificates').pluck();
    for (let k = 0; k < 3; k++) {
      // Killed as soon as this run's first chunk is committed: mid-run, never after the end.
      const before = count.get() as number;
      const killed = await runImport(dir, env, [file], () => (count.get() as number) > before);
      expect(killed.signal, killed.stderr).toBe('SIGKILL');
      counts.push(countNow());
    }
    reader.close();
    // Each run committed something, and none got to the end: the kills landed mid-run.
    expect(counts[0]).toBeGreaterThan(0);
    expect(counts[1]).toBeGreaterThan(counts[0]!);
    expect(counts[2]).toBeGreaterThan(counts[1]!);
    expect(counts[2]).toBeLessThan(ROWS);

    const resumed = await runImport(dir, env, [file]);
    expect(resumed.code, resumed.stderr).toBe(0);
    const already = counts.at(-1)!;
    expect(resumed.stdout).toContain(
      `${ROWS} rows: issued ${ROWS - already}, already existed ${already}, rejected 0`,
    );
    const third = await runImport(dir, env, [file]);
    expect(third.stdout).toContain(`${ROWS} rows: issued 0, already existed ${ROWS}, rejected 0`);

    const db = openDatabase(env.HALLMARK_DB);
    const stats = db
      .prepare(
        'SELECT count(*) AS n, count(DISTINCT serial) AS serials, count(DISTINCT status_index) AS indexes FROM certificates',
      )
      .get();
    expect(stats).toEqual({ n: ROWS, serials: ROWS, indexes: ROWS });
    const events = db
      .prepare(
        "SELECT count(*) AS n, count(DISTINCT serial) AS serials FROM events WHERE action = 'certificate.issued'",
      )
      .get();
    expect(events).toEqual({ n: ROWS, serials: ROWS });
    const registry = createRegistry(db, {
      passphrase: PASSPHRASE,
      legacyBrand: 'HUB',
      now: () => 0,
    });
    const keys = registry.keys.trustedKeys();
    const publicKey = createPublicKey({
      key: registry.keys.publicJwks()[0] as never,
      format: 'jwk',
    });
    let n = 0;
    for (const record of registry.certificates.all()) {
      const [h, p, s] = record.certificate.jws.split('.') as [string, string, string];
      // Every signature with Node's native Ed25519; every 50th through the full shared verifier.
      expect(nodeVerify(null, utf8(`${h}.${p}`), publicKey, fromBase64url(s))).toBe(true);
      if (n++ % 50 === 0)
        expect(verify(record.certificate.jws, keys, { now: new Date() }).ok).toBe(true);
    }
    expect(n).toBe(ROWS);
    db.close();
  }, 240_000);
});
