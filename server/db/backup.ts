/**
 * Online backup and checked restore. A backup is `VACUUM INTO`: one read transaction, so the
 * copy is a consistent snapshot, taken while the service keeps writing (WAL readers do not
 * block writers). A restore first proves the copy: SQLite's integrity check, then every
 * certificate re-verified with the shared verifier against the keys stored in the copy.
 */
import { copyFileSync, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { canonicalClaimsJson } from '../../shared/claims.ts';
import { keySetFromJwks, type PublicJwk } from '../../shared/keys.ts';
import { verify } from '../../shared/verify.ts';
import { open } from '../keys/sealed.ts';
import { MIGRATIONS } from './migrations.ts';
import { openDatabase, type Db } from './database.ts';

/** Writes a consistent copy of `db` to `file` (which must not exist). Returns its certificate count. */
export function backupTo(db: Db, file: string): number {
  if (existsSync(file)) throw new Error(`${file} exists; refusing to overwrite`);
  db.prepare('VACUUM INTO ?').run(file);
  return checkCopy(file).certificates;
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
  const db = openDatabase(file, { readonly: true });
  const problems: string[] = [];
  try {
    const integrity = db.pragma('integrity_check', { simple: true });
    if (integrity !== 'ok') problems.push(`integrity check: ${String(integrity)}`);
    const schemaVersion = (
      db.prepare('SELECT max(version) AS v FROM schema_migrations').get() as { v: number }
    ).v;
    if (schemaVersion > Math.max(...MIGRATIONS.map((m) => m.version)))
      problems.push(`schema version ${schemaVersion} is newer than this program`);
    const keyRows = db
      .prepare(
        `SELECT kid, public_jwk, sealed, state, not_after, ${schemaVersion >= 5 ? 'brand' : 'NULL AS brand'} FROM keys`,
      )
      .all() as {
      kid: string;
      public_jwk: string;
      sealed: string;
      state: string;
      not_after: number | null;
      brand: string | null;
    }[];
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
    const rows = db
      .prepare(
        'SELECT id, issuer, serial, generation, status_index, kid, claims, jws FROM certificates ORDER BY id',
      )
      .iterate() as IterableIterator<{
      id: number;
      issuer: string;
      serial: string;
      generation: number;
      status_index: number;
      kid: string;
      claims: string;
      jws: string;
    }>;
    for (const row of rows) {
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
  } finally {
    db.close();
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
  if (existsSync(target) && !force) throw new Error(`${target} exists; pass --force to replace it`);
  mkdirSync(dirname(target), { recursive: true });
  const staging = `${target}.restoring`;
  rmSync(staging, { force: true });
  copyFileSync(file, staging);
  for (const suffix of ['-wal', '-shm']) rmSync(`${target}${suffix}`, { force: true });
  renameSync(staging, target);
  return report;
}
