/**
 * SQLite's migrations and PostgreSQL's describe the same registry: the same tables, columns,
 * nullability, primary keys and indexes, and the same append-only triggers (PostgreSQL adds
 * TRUNCATE guards, which SQLite has no statement for).
 */
import { describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../server/db/database.ts';
import { freshPostgresUrl } from '../helpers/db.ts';
import { createRegistry } from '../../server/registry/registry.ts';

interface Shape {
  tables: Record<string, Record<string, { notNull: boolean; pk: boolean }>>;
  indexes: string[];
  triggers: string[];
}

function sqliteShape(db: Db): Shape {
  const tables: Shape['tables'] = {};
  const names = db
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    .pluck()
    .all() as string[];
  for (const name of names) {
    const columns = db.pragma(`table_info(${name})`) as {
      name: string;
      notnull: number;
      pk: number;
    }[];
    tables[name] = Object.fromEntries(
      columns.map((c) => [c.name, { notNull: c.notnull === 1 || c.pk > 0, pk: c.pk > 0 }]),
    );
  }
  const listed = (type: string) =>
    (
      db
        .prepare(`SELECT name FROM sqlite_master WHERE type = ? AND sql IS NOT NULL`)
        .pluck()
        .all(type) as string[]
    ).sort();
  return { tables, indexes: listed('index'), triggers: listed('trigger') };
}

function postgresShape(db: Db): Shape {
  const tables: Shape['tables'] = {};
  const columns = db
    .prepare(
      `SELECT c.table_name AS t, c.column_name AS c, c.is_nullable AS nullable,
         EXISTS (SELECT 1 FROM information_schema.key_column_usage k
                 JOIN information_schema.table_constraints tc
                   ON tc.constraint_name = k.constraint_name AND tc.table_schema = k.table_schema
                 WHERE tc.constraint_type = 'PRIMARY KEY' AND k.table_schema = c.table_schema
                   AND k.table_name = c.table_name AND k.column_name = c.column_name) AS pk
       FROM information_schema.columns c WHERE c.table_schema = current_schema()`,
    )
    .all() as { t: string; c: string; nullable: string; pk: boolean }[];
  for (const col of columns)
    (tables[col.t] ??= {})[col.c] = { notNull: col.nullable === 'NO', pk: col.pk };
  const indexes = (
    db
      .prepare(
        "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND indexname NOT LIKE '%_pkey' AND indexname NOT LIKE '%_key'",
      )
      .pluck()
      .all() as string[]
  ).sort();
  const triggers = [
    ...new Set(
      db
        .prepare(
          'SELECT trigger_name FROM information_schema.triggers WHERE trigger_schema = current_schema()',
        )
        .pluck()
        .all() as string[],
    ),
  ].sort();
  return { tables, indexes, triggers };
}

describe('the schema on both databases', () => {
  it('has the same tables, columns, keys, indexes and append-only triggers', () => {
    const sqlite = openDatabase(':memory:');
    const pg = openDatabase(freshPostgresUrl());
    try {
      const s = sqliteShape(sqlite);
      const p = postgresShape(pg);
      expect(p.tables).toEqual(s.tables);
      expect(p.indexes).toEqual(s.indexes);
      // Each of SQLite's triggers, and only TRUNCATE and DELETE guards beside them.
      expect(p.triggers).toEqual(expect.arrayContaining(s.triggers));
      for (const extra of p.triggers.filter((t) => !s.triggers.includes(t)))
        expect(extra).toMatch(/_no_(truncate|delete)$/);
      expect(pg.prepare('SELECT max(version) FROM schema_migrations').pluck().get()).toBe(
        sqlite.prepare('SELECT max(version) FROM schema_migrations').pluck().get(),
      );
    } finally {
      sqlite.close();
      pg.close();
    }
  });
});

describe('certificate lookups', () => {
  it('every statement the registry prepares on certificates by serial is an index search, never a scan', () => {
    const db = openDatabase(':memory:');
    const prepared: string[] = [];
    const prepare = db.prepare.bind(db);
    db.prepare = ((source: string) => {
      prepared.push(source);
      return prepare(source);
    }) as typeof db.prepare;
    try {
      createRegistry(db, { passphrase: '', legacyBrand: 'HUB', now: () => 0 });
      const bySerial = prepared.filter((sql) =>
        /FROM certificates\b[^;]*\bWHERE\b[^;]*\bserial\b/.test(sql),
      );
      // The issue path's lookups at least: exists, latest, the bulk existing-serials check.
      expect(bySerial.length).toBeGreaterThanOrEqual(3);
      for (const sql of bySerial) {
        const params = new Array<null>(sql.split('?').length - 1).fill(null);
        const plan = (
          db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[]
        )
          .map((row) => row.detail)
          .join('\n');
        expect(plan, sql).toMatch(/SEARCH (certificates|c|d) USING (COVERING )?INDEX/);
        expect(plan, sql).not.toMatch(/SCAN (certificates|d)\b/);
      }
    } finally {
      db.close();
    }
  });
});
