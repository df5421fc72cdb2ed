/**
 * What a user can cause is never an "unexpected error": each situation, triggered for real,
 * gets one line that says what to do and its own exit code (scripts/cli/io.ts EXIT).
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { HALLMARK, hallmark, type RunResult } from '../helpers/cli.ts';
import { freePort, PASSPHRASE, watchBody } from '../helpers/service.ts';

const isRoot = process.getuid?.() === 0;
const require = createRequire(import.meta.url);

/** A registry with brand HUB and its key, in a fresh directory. */
function registry(): {
  dir: string;
  env: { HALLMARK_DB: string; HALLMARK_KEY_PASSPHRASE: string; HALLMARK_ISSUER: string };
} {
  const dir = mkdtempSync(join(tmpdir(), 'hallmark-fail-'));
  mkdirSync(join(dir, 'data'));
  const env = {
    HALLMARK_DB: join(dir, 'data', 'h.db'),
    HALLMARK_KEY_PASSPHRASE: PASSPHRASE,
    HALLMARK_ISSUER: 'HUB',
  };
  expect(
    hallmark(['brands', 'add', '--code', 'HUB', '--name', 'Hublot'], { cwd: dir, env }),
  ).toMatchObject({
    status: 0,
  });
  return { dir, env };
}

/** A CSV of `n` valid watches. */
function watches(dir: string, n: number): string {
  const file = join(dir, `watches-${n}.csv`);
  const w = watchBody({ serial: 'X' });
  const rows = Array.from(
    { length: n },
    (_, i) =>
      `FAIL${String(i).padStart(8, '0')},${w.reference},${w.model},${w.caseMaterial},${w.calibre},${w.manufacturedOn}`,
  );
  writeFileSync(
    file,
    `serial,reference,model,caseMaterial,calibre,manufacturedOn\n${rows.join('\n')}\n`,
  );
  return file;
}

/** `hallmark ...args` run through `wrapper` (runuser, unshare): the same command, another context. */
function wrapped(
  wrapper: string[],
  args: string[],
  dir: string,
  env: Record<string, string>,
): RunResult {
  const r = spawnSync(wrapper[0]!, [...wrapper.slice(1), process.execPath, HALLMARK, ...args], {
    cwd: dir,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const oneLine = (r: RunResult) => {
  expect(r.stderr).not.toMatch(/unexpected error|\n\s+at /);
  return r.stderr.trim().split('\n').pop();
};

describe('failures a user can cause', { timeout: 120_000 }, () => {
  it('a wrong passphrase: exit 4', () => {
    const { dir, env } = registry();
    const r = hallmark(['import', watches(dir, 3)], {
      cwd: dir,
      env: { ...env, HALLMARK_KEY_PASSPHRASE: 'not the passphrase of this registry' },
    });
    expect(r.status).toBe(4);
    expect(oneLine(r)).toMatch(
      /^hallmark: cannot open the private key: wrong passphrase.*HALLMARK_KEY_PASSPHRASE/,
    );
  });

  it('a brand without a signing key: exit 5, and how to give it one', () => {
    const { dir, env } = registry();
    // As after a compromise handled without a replacement: no active key left.
    const db = new Database(env.HALLMARK_DB);
    db.prepare("UPDATE keys SET state = 'retired' WHERE brand = 'HUB'").run();
    db.close();
    const r = hallmark(['import', watches(dir, 3)], { cwd: dir, env });
    expect(r.status).toBe(5);
    expect(oneLine(r)).toMatch(
      /^hallmark: brand HUB has no active signing key: give it one with `hallmark keys generate --brand <code>`/,
    );
  });

  it('a database locked by another process: exit 6 once the wait is over', () => {
    const { dir, env } = registry();
    const holder = new Database(env.HALLMARK_DB);
    holder.exec('BEGIN EXCLUSIVE');
    try {
      const r = hallmark(['tokens', 'create', '--scope', 'issue', '--label', 'erp'], {
        cwd: dir,
        env,
      });
      expect(r.status).toBe(6);
      expect(oneLine(r)).toMatch(
        /^hallmark: the registry database .*h\.db is locked by another process/,
      );
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
    }
  });

  it('a read-only directory: exit 7', () => {
    const { dir, env } = registry();
    // Root writes anywhere: the command runs as nobody then, as an operator's service account would.
    chmodSync(join(dir, 'data'), 0o555);
    chmodSync(env.HALLMARK_DB, 0o444);
    chmodSync(dir, 0o755);
    try {
      const args = ['tokens', 'create', '--scope', 'issue', '--label', 'erp'];
      const r = isRoot
        ? wrapped(['runuser', '-u', 'nobody', '--'], args, dir, env)
        : hallmark(args, { cwd: dir, env });
      expect(r.status, r.stderr).toBe(7);
      expect(oneLine(r)).toMatch(
        /^hallmark: cannot write .*h\.db: the file or its directory is read-only/,
      );
    } finally {
      chmodSync(join(dir, 'data'), 0o755);
      chmodSync(env.HALLMARK_DB, 0o644);
    }
  });

  it('a full disk: exit 8, and nothing half-written', (context) => {
    // A 6 MB filesystem of our own (tmpfs in a private mount namespace: no root needed).
    const probe = spawnSync('unshare', ['-rm', 'true']);
    if (probe.status !== 0) context.skip('unshare -rm is not permitted on this machine');
    const { dir, env } = registry();
    const small = join(dir, 'small');
    mkdirSync(small);
    // After the import fails, still inside the namespace: every certificate in the registry
    // has its log entry and its audit event (whole chunks committed, none in part).
    const count = `const D = require(${JSON.stringify(require.resolve('better-sqlite3'))}); const db = new D(process.argv[1], { readonly: true }); const n = (t) => db.prepare('SELECT count(*) AS n FROM ' + t).get().n; console.log(JSON.stringify({ certificates: n('certificates'), entries: n('log_entries WHERE certificate_id IS NOT NULL'), events: n("events WHERE action = 'certificate.issued'") }))`;
    const script = `mount -t tmpfs -o size=6m tmpfs ${small} && cp ${env.HALLMARK_DB} ${small}/h.db && "$@"; status=$?; ${process.execPath} -e '${count.replaceAll("'", "'\\''")}' ${small}/h.db; exit $status`;
    const r = wrapped(
      ['unshare', '-rm', 'sh', '-c', script, 'sh'],
      ['import', watches(dir, 20_000)],
      dir,
      { ...env, HALLMARK_DB: join(small, 'h.db') },
    );
    expect(r.status, r.stderr).toBe(8);
    expect(oneLine(r)).toMatch(/^hallmark: the disk is full \(writing .*h\.db\)/);
    const counts = JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, number>;
    // Some chunks fitted before the disk filled: whole ones (1,000 rows each), none in part.
    expect(counts.certificates).toBeGreaterThan(0);
    expect((counts.certificates ?? -1) % 1000).toBe(0);
    expect(counts.entries).toBe(counts.certificates);
    expect(counts.events).toBe(counts.certificates);
  });

  it('a port already in use: exit 9', async () => {
    const { dir, env } = registry();
    const port = await freePort();
    const busy = createServer();
    await new Promise<void>((r) => busy.listen(port, '127.0.0.1', r));
    try {
      const r = hallmark(['serve'], {
        cwd: dir,
        env: {
          ...env,
          PORT: String(port),
          HALLMARK_SAMPLE_DATA: 'false',
          HALLMARK_LOG_LEVEL: 'silent',
        },
      });
      expect(r.status).toBe(9);
      expect(oneLine(r)).toMatch(
        /^hallmark: the port is in use by another program .*choose another PORT/,
      );
    } finally {
      busy.close();
    }
  });
});
