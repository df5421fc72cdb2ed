/**
 * Where a registry lives, and its local files: light (no database driver, no schema library),
 * for the import thread's first steps (scripts/cli/import-key-warm.ts) as for everything else.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Whether `location` names a PostgreSQL database rather than a SQLite file. */
export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}

/**
 * The directory for a registry's local files (the development key's passphrase and root
 * key): beside a SQLite file; ./data for a PostgreSQL registry.
 */
export function localFilesDir(location: string): string {
  return isPostgresUrl(location) ? 'data' : dirname(location);
}

/** The file holding the development passphrase of the registry at `dbPath`. */
export function devPassphraseFile(dbPath: string): string {
  return join(localFilesDir(dbPath), 'dev-key-passphrase');
}

/** The development passphrase of the registry at `dbPath`, when it has one. */
export function readDevPassphrase(dbPath: string): string | undefined {
  const file = devPassphraseFile(dbPath);
  return existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined;
}
