/**
 * Online backup and checked restore. On SQLite a backup is `VACUUM INTO`: one read
 * transaction, so the copy is a consistent snapshot, taken while the service keeps writing
 * (WAL readers do not block writers). On PostgreSQL it is pg_dump (pg-backup.ts). A restore
 * first proves the copy: SQLite's integrity check (pg_restore reading the whole archive), then
 * every certificate re-verified with the shared verifier against the keys stored in the copy.
 */
import {
  closeSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  openSync,
  readSync,
  renameSync,
  rmSync,
} from 'node:fs';
import { dirname } from 'node:path';
import { canonicalClaimsJson } from '../../shared/claims.ts';
import { keySetFromJwks, type PublicJwk } from '../../shared/keys.ts';
import { verify } from '../../shared/verify.ts';
import { open } from '../keys/sealed.ts';
import { MIGRATIONS } from './migrations.ts';
import { onPostgres, openDatabase, type Db } from './database.ts';
import { isPostgresUrl } from './location.ts';
import { isPgDump, pgDump, readDump, restoreIntoPostgres, type DumpRow } from './pg-backup.ts';

/**
 * Writes a consistent copy of `db` (at `location`) to `file`, which must not exist: a SQLite
 * file, or a pg_dump archive for a PostgreSQL registry. Returns its certificate count.
 * @throws Error when the copy fails its check
 */
export function backupTo(db: Db, file: string, location: string): number {
  if (existsSync(file)) throw new Error(`${file} exists; refusing to overwrite`);
  if (onPostgres(db)) pgDump(db, location, file);
  else db.prepare('VACUUM INTO ?').run(file);
  const report = checkCopy(file);
  if (report.problems.length > 0)
    throw new Error(`the copy is not sound:\n${report.problems.map((p) => `  ${p}`).join('\n')}`);
  return report.certificates;
}

/** What a copy holds, read from a SQLite file or a pg_dump archive. */
interface CopyRows {
  integrity: string;
  schemaVersion: number;
  keys: KeyRow[];
  certificates(): Iterable<CertificateRow>;
  rowsOf(table: string): Iterable<Record<string, unknown>>;
  close(): void;
}
interface KeyRow {
  kid: string;
  public_jwk: string;
  sealed: string;
  state: string;
  not_after: number | null;
  brand: string | null;
}
interface CertificateRow {
  id: number;
  issuer: string;
  serial: string;
  generation: number;
  status_index: number;
  kid: string;
  claims: string;
  jws: string;
}

function fileHeader(file: string): Buffer {
  const fd = openSync(file, 'r');
  try {
    const header = Buffer.alloc(16);
    readSync(fd, header, 0, 16, 0);
    return header;
  } finally {
    closeSync(fd);
  }
}

function sqliteCopy(file: string): CopyRows {
  const db = openDatabase(file, { readonly: true });
  const integrity = String(db.pragma('integrity_check', { simple: true }));
  const schemaVersion = (
    db.prepare('SELECT max(version) AS v FROM schema_migrations').get() as { v: number }
  ).v;
  return {
    integrity,
    schemaVersion,
    keys: db
      .prepare(
        `SELECT kid, public_jwk, sealed, state, not_after, ${schemaVersion >= 5 ? 'brand' : 'NULL AS brand'} FROM keys`,
      )
      .all() as KeyRow[],
    certificates: () =>
      db
        .prepare(
          'SELECT id, issuer, serial, generation, status_index, kid, claims, jws FROM certificates ORDER BY id',
        )
        .iterate() as IterableIterator<CertificateRow>,
    rowsOf: (table) =>
      db.prepare(`SELECT * FROM ${table}`).iterate() as IterableIterator<Record<string, unknown>>,
    close: () => db.close(),
  };
}

function dumpCopy(file: string): CopyRows {
  let tables: Map<string, DumpRow[]>;
  try {
    tables = readDump(file);
  } catch (error) {
    return {
      integrity: (error as Error).message,
      schemaVersion: 0,
      keys: [],
      certificates: () => [],
      rowsOf: () => [],
      close: () => {},
    };
  }
  const rows = (table: string) => tables.get(table) ?? [];
  const num = (v: string | null) => (v === null ? null : Number(v));
  return {
    integrity: 'ok',
    schemaVersion: Math.max(0, ...rows('schema_migrations').map((r) => Number(r.version))),
    keys: rows('keys').map((r) => ({
      kid: r.kid!,
      public_jwk: r.public_jwk!,
      sealed: r.sealed!,
      state: r.state!,
      not_after: num(r.not_after ?? null),
      brand: r.brand ?? null,
    })),
    certificates: () =>
      rows('certificates')
        .map((r) => ({
          id: Number(r.id),
          issuer: r.issuer!,
          serial: r.serial!,
          generation: Number(r.generation),
          status_index: Number(r.status_index),
          kid: r.kid!,
          claims: r.claims!,
          jws: r.jws!,
        }))
        .sort((a, b) => a.id - b.id),
    rowsOf: rows,
    close: () => {},
  };
}

export interface CopyReport {
  certificates: number;
  keys: number;
  schemaVersion: number;
  /** Each problem found; empty when the copy is sound. */
  problems: string[];
}

/**
 * Checks a database copy without changing it. `passphrase`, when given, must open every
 * brand's active key. Keys of a copy made before brands existed are bound to `legacyBrand`,
 * the brand that will adopt them when the copy is opened.
 */
export function checkCopy(
  file: string,
  options: { passphrase?: string; now?: number; legacyBrand?: string } = {},
): CopyReport {
  if (!existsSync(file)) throw new Error(`${file} does not exist`);
  const copy = isPgDump(fileHeader(file)) ? dumpCopy(file) : sqliteCopy(file);
  try {
    return checkRows(copy, options);
  } finally {
    copy.close();
  }
}

function checkRows(
  copy: CopyRows,
  options: { passphrase?: string; now?: number; legacyBrand?: string },
): CopyReport {
  const problems: string[] = [];
  {
    const { integrity, schemaVersion } = copy;
    if (integrity !== 'ok') problems.push(`integrity check: ${integrity}`);
    if (schemaVersion > Math.max(...MIGRATIONS.map((m) => m.version)))
      problems.push(`schema version ${schemaVersion} is newer than this program`);
    const keyRows = copy.keys;
    const jwks = keyRows.map((r) => {
      const brand = r.brand ?? options.legacyBrand;
      return {
        ...(JSON.parse(r.public_jwk) as PublicJwk),
        ...(r.not_after === null ? {} : { exp: r.not_after }),
        ...(brand === undefined ? {} : { brand }),
      };
    });
    const keys = keySetFromJwks({ keys: jwks });
    if (options.passphrase !== undefined) {
      const active = keyRows.filter((r) => r.state === 'active');
      if (active.length === 0) problems.push('no active signing key');
      for (const key of active) {
        try {
          open(JSON.parse(key.sealed), options.passphrase, key.kid);
        } catch {
          problems.push(
            `the active signing key of ${key.brand ?? options.legacyBrand ?? 'the registry'} cannot be opened with this HALLMARK_KEY_PASSPHRASE`,
          );
        }
      }
    }
    const now = options.now ?? Math.floor(Date.now() / 1000);
    let certificates = 0;
    for (const row of copy.certificates()) {
      certificates++;
      const verdict = verify(row.jws, keys, { now });
      if (!verdict.ok) {
        problems.push(`certificate ${row.id} (${row.serial}): ${verdict.code}`);
        continue;
      }
      const c = verdict.claims;
      if (
        c.iss !== row.issuer ||
        c.sn !== row.serial ||
        c.gen !== row.generation ||
        c.sli !== row.status_index ||
        verdict.kid !== row.kid ||
        canonicalClaimsJson(c) !== row.claims
      ) {
        problems.push(
          `certificate ${row.id} (${row.serial}): columns do not match the signed claims`,
        );
      }
      if (problems.length > 100) {
        problems.push('… stopping after 100 problems');
        break;
      }
    }
    return { certificates, keys: keyRows.length, schemaVersion, problems };
  }
}

/**
 * Replaces the database at `target` with a checked copy. The service must be stopped.
 * @throws Error when the copy has problems or the target exists without `force`.
 */
export function restoreFrom(
  file: string,
  target: string,
  options: { force: boolean; passphrase?: string; legacyBrand?: string },
): CopyReport {
  const { force, ...check } = options;
  const report = checkCopy(file, check);
  if (report.problems.length > 0) return report;
  const dump = isPgDump(fileHeader(file));
  if (isPostgresUrl(target)) {
    const copy = dump ? dumpCopy(file) : sqliteCopy(file);
    try {
      restoreIntoPostgres((table) => copy.rowsOf(table), target, {
        force,
        schemaVersion: report.schemaVersion,
      });
    } finally {
      copy.close();
    }
    return report;
  }
  if (dump)
    throw new Error(
      'a PostgreSQL archive restores into a PostgreSQL registry (HALLMARK_DB=postgres://…)',
    );
  if (existsSync(target) && !force) throw new Error(`${target} exists; pass --force to replace it`);
  mkdirSync(dirname(target), { recursive: true });
  const staging = `${target}.restoring`;
  rmSync(staging, { force: true });
  copyFileSync(file, staging);
  for (const suffix of ['-wal', '-shm']) rmSync(`${target}${suffix}`, { force: true });
  renameSync(staging, target);
  return report;
}
