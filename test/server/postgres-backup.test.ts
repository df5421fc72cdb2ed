/**
 * `hallmark backup` and `hallmark restore` on PostgreSQL: pg_dump's archive, checked the way a
 * SQLite copy is (every certificate re-verified), restored whole into another registry; a
 * damaged archive is refused and changes nothing; a SQLite registry moves to PostgreSQL by
 * restoring its backup there.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../server/db/database.ts';
import { IssuingService } from '../../server/issuing/issuing-service.ts';
import { createRegistry } from '../../server/registry/registry.ts';
import type { WatchInput } from '../../shared/watch-input.ts';
import { hallmark } from '../helpers/cli.ts';
import { NOW } from '../helpers/fixtures.ts';
import { freshPostgresUrl } from '../helpers/db.ts';
import { PASSPHRASE, testService, watchBody } from '../helpers/service.ts';

const TABLES = ['certificates', 'events', 'log_entries', 'log_hashes', 'keys', 'tokens', 'brands'];

function counts(location: string): Record<string, number> {
  const db = openDatabase(location, { readonly: true });
  try {
    return Object.fromEntries(
      TABLES.map((t) => [t, db.prepare(`SELECT count(*) FROM ${t}`).pluck().get() as number]),
    );
  } finally {
    db.close();
  }
}

async function registryWithCertificates(location: string, n: number): Promise<void> {
  const svc = testService({ dbPath: location });
  const token = svc.token(['issue']);
  for (let i = 0; i < n; i++) {
    const res = await request(svc.app)
      .post('/api/v1/certificates')
      .set('authorization', `Bearer ${token}`)
      .send(watchBody({ serial: `BACKUP${String(i).padStart(4, '0')}` }));
    expect(res.status).toBe(201);
  }
  svc.registry.db.close();
}

describe('backup and restore on PostgreSQL', { timeout: 120_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'hallmark-pgbackup-'));
  const env = (db: string) => ({
    HALLMARK_DB: db,
    HALLMARK_KEY_PASSPHRASE: PASSPHRASE,
    HALLMARK_ISSUER: 'HUB',
  });

  it('backup (pg_dump) is checked, and restores whole into another registry that goes on issuing', async () => {
    const source = freshPostgresUrl();
    await registryWithCertificates(source, 12);
    const file = join(dir, 'registry.pgdump');
    const backup = hallmark(['backup', file], { cwd: dir, env: env(source) });
    expect(backup.stderr).toMatch(/: 12 certificates, all verified\n$/);
    expect(backup.stderr).not.toContain(PASSPHRASE);
    expect(backup.status).toBe(0);
    expect(readFileSync(file).subarray(0, 5).toString()).toBe('PGDMP');

    const target = freshPostgresUrl();
    const restore = hallmark(['restore', file], { cwd: dir, env: env(target) });
    expect(restore.stderr).toContain('integrity ok, 12 certificates verified');
    expect(restore.status).toBe(0);
    expect(counts(target)).toEqual(counts(source));

    // A second restore over it needs --force; with it, the same registry again.
    const again = hallmark(['restore', file], { cwd: dir, env: env(target) });
    expect(again.status).toBe(1);
    expect(again.stderr).toContain('pass --force');
    expect(hallmark(['restore', file, '--force'], { cwd: dir, env: env(target) }).status).toBe(0);
    expect(counts(target)).toEqual(counts(source));

    // The restored registry issues on: its ids and log continue after the restored rows.
    const registry = createRegistry(openDatabase(target), {
      passphrase: PASSPHRASE,
      legacyBrand: 'HUB',
      now: () => NOW,
    });
    const { record } = new IssuingService(registry).issue(
      watchBody({ serial: 'AFTERRESTORE' }) as unknown as WatchInput,
      'HUB',
      'test',
    );
    expect(record.logIndex).toBe(counts(source).log_entries);
    registry.db.close();
  });

  it('a damaged archive or a forged certificate in it is refused, and the target is left as it was', async () => {
    const source = freshPostgresUrl();
    await registryWithCertificates(source, 3);
    const file = join(dir, 'forge.pgdump');
    expect(hallmark(['backup', file], { cwd: dir, env: env(source) }).status).toBe(0);

    const truncated = join(dir, 'truncated.pgdump');
    const bytes = readFileSync(file);
    writeFileSync(truncated, bytes.subarray(0, Math.floor(bytes.length / 2)));
    const target = freshPostgresUrl();
    const cut = hallmark(['restore', truncated], { cwd: dir, env: env(target) });
    expect(cut.status).toBe(1);
    expect(cut.stderr).toContain('the backup is not sound; nothing restored');

    // A plain (uncompressed) archive with one certificate's signed serial changed.
    const plain = join(dir, 'plain.pgdump');
    const db = openDatabase(source, { readonly: true });
    const schema = db.prepare('SELECT current_schema()').pluck().get() as string;
    const jws = db
      .prepare("SELECT jws FROM certificates WHERE serial = 'BACKUP0001'")
      .pluck()
      .get() as string;
    db.close();
    const { execFileSync } = await import('node:child_process');
    const { pgProgram } = await import('../../server/db/pg-backup.ts');
    execFileSync(pgProgram('pg_dump'), [
      '--format=custom',
      '--compress=0',
      `--schema=${schema}`,
      `--file=${plain}`,
      `--dbname=${source}`,
    ]);
    const original = readFileSync(plain);
    const [head, payload, sig] = jws.split('.') as [string, string, string];
    const forgedPayload = Buffer.from(
      Buffer.from(payload, 'base64url').toString().replace('BACKUP0001', 'BACKUP9991'),
    ).toString('base64url');
    const forged = original
      .toString('latin1')
      .replace(`${head}.${payload}.${sig}`, `${head}.${forgedPayload}.${sig}`);
    expect(forged).not.toBe(original.toString('latin1'));
    writeFileSync(plain, Buffer.from(forged, 'latin1'));
    const refused = hallmark(['restore', plain], { cwd: dir, env: env(target) });
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/certificate \d+ \(BACKUP0001\): /);
    const untouched = openDatabase(target);
    expect(untouched.prepare('SELECT count(*) FROM certificates').pluck().get()).toBe(0);
    untouched.close();
  });

  it('a SQLite registry moves to PostgreSQL: its backup restores there, every certificate verified', async () => {
    const sqlite = join(dir, 'embedded.db');
    await registryWithCertificates(sqlite, 5);
    const file = join(dir, 'embedded-backup.db');
    expect(hallmark(['backup', file], { cwd: dir, env: env(sqlite) }).status).toBe(0);
    const target = freshPostgresUrl();
    const restore = hallmark(['restore', file], { cwd: dir, env: env(target) });
    expect(restore.stderr).toContain('5 certificates verified');
    expect(restore.status).toBe(0);
    expect(counts(target)).toEqual(counts(sqlite));
    // And a PostgreSQL archive is not mistaken for a SQLite file.
    const dump = join(dir, 'x.pgdump');
    expect(hallmark(['backup', dump], { cwd: dir, env: env(target) }).status).toBe(0);
    const wrong = hallmark(['restore', dump], { cwd: dir, env: env(join(dir, 'other.db')) });
    expect(wrong.status).toBe(1);
    expect(wrong.stderr).toContain('a PostgreSQL archive restores into a PostgreSQL registry');
  });
});
