/**
 * The database a test runs on: SQLite by default, PostgreSQL when HALLMARK_TEST_DB=postgres
 * (`npm run test:postgres`). Each PostgreSQL test database is a fresh schema on the cluster
 * that test/global-setup.ts starts, so tests stay as isolated as with SQLite.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openDatabase, type Db } from '../../server/db/database.ts';
import { PgDatabase } from '../../server/db/postgres.ts';

export const ON_POSTGRES = process.env.HALLMARK_TEST_DB === 'postgres';

let admin: PgDatabase | undefined;
let made = 0;

/** The test cluster's URL (postgres://postgres@127.0.0.1:<port>/hallmark). */
export function testClusterUrl(): string {
  const url = process.env.HALLMARK_TEST_PG_URL;
  if (!url) throw new Error('no test PostgreSQL cluster: test/global-setup.ts starts one');
  return url;
}

/** A URL to a fresh, empty registry on the test cluster (its own schema). */
export function freshPostgresUrl(): string {
  const base = testClusterUrl();
  admin ??= new PgDatabase(base);
  const schema = `t${process.pid}_${++made}_${randomBytes(3).toString('hex')}`;
  admin.exec(`CREATE SCHEMA ${schema}`);
  return `${base}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;
}

/** Where a test's registry lives: `dir/name` on SQLite, a fresh schema on PostgreSQL. */
export function testDbLocation(dir: string, name = 'registry.db'): string {
  return ON_POSTGRES ? freshPostgresUrl() : join(dir, name);
}

/** A fresh, migrated registry database: in memory on SQLite, a fresh schema on PostgreSQL. */
export function openTestDatabase(): Db {
  return openDatabase(ON_POSTGRES ? freshPostgresUrl() : ':memory:');
}

/**
 * Everything a registry stores, as bytes to search: the SQLite file, or a plain-text pg_dump
 * of the PostgreSQL schema (bytea written in hex there, so search for hex too).
 */
export function registryContents(location: string): Buffer {
  if (!ON_POSTGRES) return readFileSync(location);
  const bin = process.env.HALLMARK_TEST_PG_BIN;
  if (!bin) throw new Error('no test PostgreSQL cluster');
  return execFileSync(join(bin, 'pg_dump'), ['--format=plain', `--dbname=${location}`], {
    maxBuffer: 1 << 30,
  });
}
