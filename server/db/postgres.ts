/**
 * PostgreSQL behind the same synchronous interface as better-sqlite3, so that the registry has
 * one data-access layer over both databases. Each call waits for its answer from a worker
 * thread that holds the connection (pg-worker.mjs), as better-sqlite3's calls wait for the
 * disk.
 *
 * SQLite has one writer at a time; the registry's invariants (status-index allocation, log
 * sequencing, one certificate per serial) were written for it. Here every write transaction
 * takes the registry's write lock, a transaction-scoped advisory lock keyed by the schema, so
 * the invariants hold across every node on one database: an IMMEDIATE transaction takes it at
 * BEGIN, a deferred one at its first write, an autocommitted write around itself. Reads never
 * wait for it.
 */
import { createSyncFn } from 'synckit';
import type { Db, RunResult, Statement, TransactionFunction } from './database.ts';

type ArgumentTypes<F> = F extends (...args: infer A) => unknown ? A : never;

type Request =
  | { op: 'connect'; url: string; lockTimeoutMs: number; readonly: boolean }
  | { op: 'close'; id: number }
  | { op: 'exec'; id: number; sql: string }
  | {
      op: 'query' | 'write';
      id: number;
      sql: string;
      params: unknown[];
      rowMode?: 'array';
      lockKey?: string;
    };
type Answer =
  | { error: { message: string; code?: string; constraint?: string; detail?: string } }
  | { rows: unknown[]; rowCount: number }
  | { id: number; lockKey: string };

let call: ((request: Request) => Answer) | undefined;
function worker(): (request: Request) => Answer {
  // One worker per process serves every connection of the process.
  call ??= createSyncFn<(request: Request) => Promise<Answer>>(
    new URL('./pg-worker.mjs', import.meta.url),
    { timeout: 120_000 },
  );
  return call;
}

/** An error from PostgreSQL: `code` is its SQLSTATE (23505 for a unique violation). */
export class PostgresError extends Error {
  override readonly name = 'PostgresError';
  constructor(
    message: string,
    readonly code: string | undefined,
    readonly constraint?: string,
    readonly detail?: string,
  ) {
    super(message);
  }
}

function answer<T extends Answer>(request: Request): Exclude<T, { error: unknown }> {
  const result = worker()(request);
  if ('error' in result) {
    const { message, code, constraint, detail } = result.error;
    throw new PostgresError(message, code, constraint, detail);
  }
  return result as Exclude<T, { error: unknown }>;
}

/** `?` placeholders as `$1, $2, …`, outside quoted strings and identifiers. */
export function numberPlaceholders(sql: string): string {
  let n = 0;
  let out = '';
  let quote: string | undefined;
  for (const ch of sql) {
    if (quote) {
      if (ch === quote) quote = undefined;
      out += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      out += ch;
    } else out += ch === '?' ? `$${++n}` : ch;
  }
  return out;
}

const WRITE = /^\s*(INSERT|UPDATE|DELETE|CREATE|DROP|ALTER|TRUNCATE)\b/i;
const WITH_WRITE = /^\s*WITH\b[\s\S]*\b(INSERT|UPDATE|DELETE)\b/i;
const READER = /^\s*(SELECT|VALUES|WITH)\b|\bRETURNING\b/i;

class PgStatement implements Statement {
  readonly reader: boolean;
  private readonly write: boolean;
  private readonly text: string;
  private plucking = false;

  constructor(
    private readonly db: PgDatabase,
    source: string,
    atomic: boolean,
  ) {
    const write = WRITE.test(source) || WITH_WRITE.test(source);
    this.reader = READER.test(source) && (!write || /\bRETURNING\b/i.test(source));
    this.write = write && !atomic;
    this.text = numberPlaceholders(source);
  }

  pluck(toggle = true): this {
    this.plucking = toggle;
    return this;
  }

  run(...params: unknown[]): RunResult {
    const { rowCount } = this.db.query(this.text, params.flat(), this.write);
    return { changes: rowCount, lastInsertRowid: 0 };
  }

  get(...params: unknown[]): unknown {
    return this.rows(params)[0];
  }

  all(...params: unknown[]): unknown[] {
    return this.rows(params);
  }

  iterate(...params: unknown[]): IterableIterator<unknown> {
    return this.rows(params)[Symbol.iterator]();
  }

  private rows(params: unknown[]): unknown[] {
    const { rows } = this.db.query(
      this.text,
      params.flat(),
      this.write,
      this.plucking ? 'array' : undefined,
    );
    // bytea crosses from the worker as a Uint8Array: a Buffer, as better-sqlite3 gives BLOBs.
    if (this.plucking) return (rows as unknown[][]).map((row) => asBuffer(row[0]));
    for (const row of rows as Record<string, unknown>[])
      for (const key in row) row[key] = asBuffer(row[key]);
    return rows;
  }
}

export class PgDatabase implements Db {
  readonly dialect = 'postgres';
  private readonly id: number;
  private readonly lockKey: string;
  private depth = 0;
  /** The depth of the (sub)transaction that took the write lock; 0 when not held. */
  private lockedAt = 0;
  private closed = false;

  constructor(url: string, options: { readonly?: boolean; lockTimeoutMs?: number } = {}) {
    const connected = answer<{ id: number; lockKey: string }>({
      op: 'connect',
      url,
      lockTimeoutMs: options.lockTimeoutMs ?? 5000,
      readonly: options.readonly ?? false,
    });
    this.id = connected.id;
    this.lockKey = connected.lockKey;
  }

  get inTransaction(): boolean {
    return this.depth > 0;
  }

  get open(): boolean {
    return !this.closed;
  }

  /** Runs one statement: a write outside a transaction commits under the write lock. */
  query(
    sql: string,
    params: unknown[],
    write: boolean,
    rowMode?: 'array',
  ): { rows: unknown[]; rowCount: number } {
    if (write && this.depth > 0 && this.lockedAt === 0) this.takeWriteLock();
    const op = write && this.depth === 0 ? 'write' : 'query';
    return answer<{ rows: unknown[]; rowCount: number }>({
      op,
      id: this.id,
      sql,
      params: params.map(toParameter),
      ...(rowMode ? { rowMode } : {}),
      ...(op === 'write' ? { lockKey: this.lockKey } : {}),
    });
  }

  prepare(source: string, options: { atomic?: boolean } = {}): Statement {
    return new PgStatement(this, source, options.atomic ?? false);
  }

  exec(source: string): this {
    if (this.depth === 0 && WRITE.test(source))
      this.transaction(() => this.exec(source)).immediate();
    else answer({ op: 'exec', id: this.id, sql: source });
    return this;
  }

  pragma(): never {
    throw new Error('PRAGMA is SQLite only: this registry is on PostgreSQL');
  }

  transaction<F extends (...args: never[]) => unknown>(fn: F): TransactionFunction<F> {
    const wrap =
      (lockAtBegin: boolean) =>
      (...args: ArgumentTypes<F>) =>
        this.within(lockAtBegin, () => fn(...(args as unknown as Parameters<F>)) as ReturnType<F>);
    return Object.assign(wrap(false), {
      deferred: wrap(false),
      immediate: wrap(true),
      exclusive: wrap(true),
    });
  }

  close(): this {
    if (!this.closed) {
      this.closed = true;
      answer({ op: 'close', id: this.id });
    }
    return this;
  }

  private takeWriteLock(): void {
    answer({ op: 'exec', id: this.id, sql: `SELECT pg_advisory_xact_lock(${this.lockKey})` });
    this.lockedAt = this.depth;
  }

  private within<T>(lockAtBegin: boolean, body: () => T): T {
    if (this.depth > 0) {
      // Nested: a savepoint, as better-sqlite3 does.
      const name = `s${this.depth}`;
      answer({ op: 'exec', id: this.id, sql: `SAVEPOINT ${name}` });
      this.depth++;
      try {
        const result = body();
        answer({ op: 'exec', id: this.id, sql: `RELEASE ${name}` });
        return result;
      } catch (error) {
        answer({ op: 'exec', id: this.id, sql: `ROLLBACK TO ${name}; RELEASE ${name}` });
        // A lock taken inside the savepoint went with it.
        if (this.lockedAt >= this.depth) this.lockedAt = 0;
        throw error;
      } finally {
        this.depth--;
      }
    }
    answer({
      op: 'exec',
      id: this.id,
      sql: lockAtBegin ? `BEGIN; SELECT pg_advisory_xact_lock(${this.lockKey})` : 'BEGIN',
    });
    this.depth = 1;
    this.lockedAt = lockAtBegin ? 1 : 0;
    try {
      const result = body();
      answer({ op: 'exec', id: this.id, sql: 'COMMIT' });
      return result;
    } catch (error) {
      try {
        answer({ op: 'exec', id: this.id, sql: 'ROLLBACK' });
      } catch {
        // The connection is gone: the server rolled back.
      }
      throw error;
    } finally {
      this.depth = 0;
      this.lockedAt = 0;
    }
  }
}

function asBuffer(value: unknown): unknown {
  return value instanceof Uint8Array && !Buffer.isBuffer(value)
    ? Buffer.from(value.buffer, value.byteOffset, value.byteLength)
    : value;
}

/** What node-postgres takes for what better-sqlite3 takes. */
function toParameter(value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Uint8Array && !Buffer.isBuffer(value))
    return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  return value;
}
