/**
 * Backup and restore of a PostgreSQL registry: pg_dump writes the copy (custom format, one
 * consistent snapshot while the service keeps writing); pg_restore reads it back. A copy is
 * checked as a SQLite copy is (backup.ts): pg_restore must read the whole archive, and every
 * certificate in it is re-verified. A restore loads the checked rows into a freshly migrated
 * registry in one transaction, so it lands whole or not at all, in any schema of any server.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { onPostgres, openDatabase, type Db } from './database.ts';
import { MultiRowInsert } from './multi-row.ts';
import type { PgDatabase } from './postgres.ts';

/** The tables a registry copy holds, parents before children. */
export const REGISTRY_TABLES = [
  'brands',
  'keys',
  'trust_roots',
  'trust_lists',
  'registry_secrets',
  'tokens',
  'status_lists',
  'certificates',
  'events',
  'idempotency_keys',
  'ownership',
  'ownership_recoveries',
  'stolen_reports_held',
  'log_settings',
  'log_entries',
  'log_hashes',
  'log_checkpoints',
  'log_witness_state',
] as const;

/** Tables with generated ids: their sequences continue after the restored rows. */
const IDENTITY: Record<string, string> = {
  events: 'id',
  certificates: 'id',
  stolen_reports_held: 'id',
};

/** The newest Debian install's /usr/lib/postgresql/<version>/bin holding `program`, if any. */
export function debianPostgresBin(program = 'postgres'): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const newest = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', program)))
    .sort((a, b) => Number(b) - Number(a))[0];
  return newest && join(root, newest, 'bin');
}

/** PostgreSQL's client programs: HALLMARK_PG_BIN, else the newest Debian install, else PATH. */
export function pgProgram(name: 'pg_dump' | 'pg_restore'): string {
  const dir = process.env.HALLMARK_PG_BIN ?? debianPostgresBin(name);
  return dir ? join(dir, name) : name;
}

function run(program: string, args: string[]): string {
  try {
    return execFileSync(program, args, {
      encoding: 'utf8',
      maxBuffer: 1 << 30,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (error) {
    const e = error as { stderr?: string; message: string; code?: string };
    if (e.code === 'ENOENT')
      throw new Error(`${program} is not installed (install PostgreSQL's client programs)`);
    throw new Error(`${program} failed: ${(e.stderr ?? e.message).trim()}`);
  }
}

/** pg_dump of the registry's schema to `file` (custom format). */
export function pgDump(db: Db, location: string, file: string): void {
  if (!onPostgres(db)) throw new Error('not a PostgreSQL registry');
  const schema = db.prepare('SELECT current_schema()').pluck().get() as string;
  run(pgProgram('pg_dump'), [
    '--format=custom',
    '--no-owner',
    '--no-privileges',
    `--schema=${schema}`,
    `--file=${file}`,
    `--dbname=${location}`,
  ]);
}

/** Whether `file` is a pg_dump custom-format archive. */
export function isPgDump(header: Buffer): boolean {
  return header.subarray(0, 5).toString('latin1') === 'PGDMP';
}

export type DumpRow = Record<string, string | null>;

/**
 * Reads every table's rows out of a custom-format archive (pg_restore, as SQL text): each
 * table's columns and its rows as text, as COPY wrote them. Fails when pg_restore cannot read
 * the whole archive.
 */
export function readDump(file: string): Map<string, DumpRow[]> {
  const sql = run(pgProgram('pg_restore'), ['--data-only', '--file=-', file]);
  const tables = new Map<string, DumpRow[]>();
  const lines = sql.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const head = /^COPY (?:"?[^".\s]+"?\.)?"?([a-z_]+)"? \(([^)]*)\) FROM stdin;$/.exec(lines[i]!);
    if (!head) continue;
    const columns = head[2]!.split(', ').map((c) => c.replace(/^"|"$/g, ''));
    const rows: DumpRow[] = [];
    for (i++; i < lines.length && lines[i] !== '\\.'; i++) {
      const values = lines[i]!.split('\t').map(unescapeCopy);
      if (values.length !== columns.length)
        throw new Error(`the archive's ${head[1]} table has a damaged row`);
      rows.push(Object.fromEntries(columns.map((c, k) => [c, values[k]!])));
    }
    if (i >= lines.length) throw new Error(`the archive's ${head[1]} table is cut short`);
    tables.set(head[1]!, rows);
  }
  if (!tables.has('certificates') || !tables.has('schema_migrations'))
    throw new Error('not a Hallmark registry archive (no certificates or schema_migrations)');
  return tables;
}

/** COPY's text format: \N is NULL; backslash escapes a character or an octal/hex byte. */
function unescapeCopy(field: string): string | null {
  if (field === '\\N') return null;
  if (!field.includes('\\')) return field;
  const bytes: number[] = [];
  const text = Buffer.from(field, 'utf8');
  for (let i = 0; i < text.length; i++) {
    const b = text[i]!;
    if (b !== 0x5c) {
      bytes.push(b);
      continue;
    }
    const next = String.fromCharCode(text[++i]!);
    const simple: Record<string, number> = { b: 8, f: 12, n: 10, r: 13, t: 9, v: 11 };
    if (next in simple) bytes.push(simple[next]!);
    else if (/[0-7]/.test(next)) {
      let octal = next;
      while (octal.length < 3 && /[0-7]/.test(String.fromCharCode(text[i + 1] ?? 0)))
        octal += String.fromCharCode(text[++i]!);
      bytes.push(parseInt(octal, 8));
    } else if (next === 'x' && /[0-9a-fA-F]/.test(String.fromCharCode(text[i + 1] ?? 0))) {
      let hex = '';
      while (hex.length < 2 && /[0-9a-fA-F]/.test(String.fromCharCode(text[i + 1] ?? 0)))
        hex += String.fromCharCode(text[++i]!);
      bytes.push(parseInt(hex, 16));
    } else bytes.push(next.charCodeAt(0));
  }
  return Buffer.from(bytes).toString('utf8');
}

/** Whether the registry at `location` holds anything (a brand, a key or a certificate). */
function holdsData(db: Db): boolean {
  return REGISTRY_TABLES.slice(0, 2)
    .concat(['certificates'])
    .some((t) => db.prepare(`SELECT 1 FROM ${t} LIMIT 1`).get() !== undefined);
}

/**
 * Loads a checked copy's rows (a pg_dump archive, or a SQLite copy at the same schema
 * version) into the PostgreSQL registry at `target`, in one transaction. `force` replaces a
 * registry that holds data: its schema is dropped and made again.
 * @throws Error when the target holds data without `force`, or a row does not fit.
 */
export function restoreIntoPostgres(
  rowsOf: (table: string) => Iterable<Record<string, unknown>>,
  target: string,
  options: { force: boolean; schemaVersion: number },
): void {
  let db = openDatabase(target) as PgDatabase;
  try {
    if (holdsData(db)) {
      if (!options.force) throw new Error('the target registry holds data; pass --force');
      const schema = db.prepare('SELECT current_schema()').pluck().get() as string;
      db.exec(`DROP SCHEMA "${schema}" CASCADE; CREATE SCHEMA "${schema}"`);
      db.close();
      db = openDatabase(target) as PgDatabase;
    }
    const version = db.prepare('SELECT max(version) FROM schema_migrations').pluck().get();
    if (version !== options.schemaVersion)
      throw new Error(
        `the copy is at schema version ${options.schemaVersion} and this program at ${String(version)}: restore it with the matching version, or to SQLite first`,
      );
    db.transaction(() => {
      for (const table of REGISTRY_TABLES) {
        const rows = [...rowsOf(table)];
        if (rows.length === 0) continue;
        const columns = Object.keys(rows[0]!);
        const quoted = columns.map((c) => `"${c}"`).join(', ');
        new MultiRowInsert(
          db,
          `INSERT INTO ${table} (${quoted})`,
          `(${columns.map(() => '?').join(', ')})`,
          '',
          Math.max(1, Math.floor(30_000 / columns.length)),
        ).run(rows.map((row) => columns.map((c) => row[c] ?? null)));
      }
      for (const [table, column] of Object.entries(IDENTITY))
        db.prepare(
          `SELECT setval(pg_get_serial_sequence('${table}', '${column}'), coalesce(max(${column}), 0) + 1, false) FROM ${table}`,
        ).get();
    }).immediate();
  } finally {
    db.close();
  }
}
