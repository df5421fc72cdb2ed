/**
 * Opening the registry database: WAL, foreign keys, a busy timeout for the second writer
 * (the importer beside the service), and the numbered migrations.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { MIGRATIONS } from './migrations.ts';
import { PG_MIGRATIONS } from './pg-migrations.ts';
import { isPostgresUrl } from './location.ts';
import { PgDatabase } from './postgres.ts';

/** What a write reports. */
export interface RunResult {
  changes: number;
  lastInsertRowid: number | bigint;
}

/** A prepared statement: better-sqlite3's, or the same calls on PostgreSQL. */
export interface Statement {
  /** Whether it returns rows (a SELECT, or a write with RETURNING). */
  readonly reader: boolean;
  run(...params: unknown[]): RunResult;
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
  iterate(...params: unknown[]): IterableIterator<unknown>;
  /** Rows as their first column's value. */
  pluck(toggle?: boolean): this;
}

/** `fn` in a transaction (a savepoint when nested); `immediate` takes the write lock at once. */
export interface TransactionFunction<F extends (...args: never[]) => unknown> {
  (...params: ArgumentTypes<F>): ReturnType<F>;
  deferred(...params: ArgumentTypes<F>): ReturnType<F>;
  immediate(...params: ArgumentTypes<F>): ReturnType<F>;
  exclusive(...params: ArgumentTypes<F>): ReturnType<F>;
}
type ArgumentTypes<F> = F extends (...args: infer A) => unknown ? A : never;

/**
 * The registry's database: SQLite (better-sqlite3) or PostgreSQL (postgres.ts), behind the
 * calls the registry makes. Both are synchronous.
 */
export interface Db {
  /**
   * `atomic`: the statement is correct by itself under concurrency (a single-row upsert), so
   * PostgreSQL runs it without the registry's write lock (postgres.ts).
   */
  prepare(source: string, options?: { atomic?: boolean }): Statement;
  exec(source: string): this;
  transaction<F extends (...args: never[]) => unknown>(fn: F): TransactionFunction<F>;
  pragma(source: string, options?: { simple?: boolean }): unknown;
  close(): this;
  readonly inTransaction: boolean;
  readonly open: boolean;
}

/** `location` fit for logs and messages: a URL's password is left out. */
export function describeLocation(location: string): string {
  if (!isPostgresUrl(location)) return location;
  try {
    const url = new URL(location);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return 'postgres://(unparseable URL)';
  }
}

/** Whether `db` is on PostgreSQL (the few statements that differ ask). */
export function onPostgres(db: Db): db is PgDatabase {
  return db instanceof PgDatabase;
}

/**
 * Opens and migrates the registry: `postgres://…` (or `postgresql://…`) is PostgreSQL; anything
 * else is a SQLite file, created if needed (':memory:' for tests).
 */
export function openDatabase(location: string, options: { readonly?: boolean } = {}): Db {
  if (isPostgresUrl(location)) {
    const db = new PgDatabase(location, options);
    if (!options.readonly) migrate(db);
    return db;
  }
  return openSqlite(location, options);
}

function openSqlite(path: string, options: { readonly?: boolean }): Db {
  if (path !== ':memory:' && !options.readonly) mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path, {
    readonly: options.readonly ?? false,
    fileMustExist: options.readonly ?? false,
  });
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  if (!options.readonly) {
    db.pragma('journal_mode = WAL');
    // NORMAL is durable across application crashes in WAL mode (only an OS crash or power
    // loss can drop the last commits), and avoids an fsync per certificate.
    db.pragma('synchronous = NORMAL');
    migrate(db);
  }
  return db;
}

/** Applies pending migrations, each in its own transaction. Returns the resulting version. */
export function migrate(db: Db): number {
  const migrations = onPostgres(db) ? PG_MIGRATIONS : MIGRATIONS;
  const latest = Math.max(...migrations.map((m) => m.version));
  // Under the write lock, so that nodes starting together apply each migration once.
  return db
    .transaction(() => {
      db.exec(
        'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)' +
          (onPostgres(db) ? '' : ' STRICT'),
      );
      const current =
        (
          db.prepare('SELECT max(version) AS v FROM schema_migrations').get() as {
            v: number | null;
          }
        ).v ?? 0;
      for (const m of migrations) {
        if (m.version <= current) continue;
        db.transaction(() => {
          db.exec(m.sql);
          db.prepare(
            'INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)',
          ).run(m.version, m.name, Math.floor(Date.now() / 1000));
        })();
      }
      return Math.max(current, latest);
    })
    .immediate();
}
