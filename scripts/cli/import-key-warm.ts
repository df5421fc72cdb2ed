/**
 * The import thread's first step after starting its file reader and signers: it starts the
 * scrypt derivation (100-200 ms of a core, on libuv's pool) that opening the brand's sealed
 * signing key will need, before loading the registry's modules (about 0.3 s), so that the
 * import does not wait for it before its first chunk. A hint only, from light modules (no
 * schema library, no registry): the registry named as the config names it, the passphrase as
 * it resolves, the brand's active sealed key (else the status-index secret, which a key in a
 * PKCS#11 token leaves as the first thing to open), read-only. Anything unexpected (no file
 * yet, PostgreSQL, an older schema, no passphrase) starts nothing; the import then derives the
 * key itself and reports what fails, as it always did.
 */
import Database from 'better-sqlite3';
import { DEFAULT_DB, DEFAULT_ISSUER } from '../../server/config-defaults.ts';
import { isPostgresUrl, readDevPassphrase } from '../../server/db/location.ts';
import { warmUp } from '../../server/keys/kdf.ts';

export function warmImportKey(issuer: string | undefined, env = process.env): void {
  try {
    const dbPath = env.HALLMARK_DB || DEFAULT_DB;
    if (isPostgresUrl(dbPath) || dbPath === ':memory:') return;
    const passphrase = env.HALLMARK_KEY_PASSPHRASE || readDevPassphrase(dbPath);
    if (!passphrase) return;
    const db = new Database(dbPath, { readonly: true, fileMustExist: true });
    try {
      const sealed = (db
        .prepare(
          "SELECT sealed FROM keys WHERE brand = ? AND state = 'active' AND custody = 'sealed'",
        )
        .pluck()
        .get(issuer ?? env.HALLMARK_ISSUER ?? DEFAULT_ISSUER) ??
        db
          .prepare("SELECT sealed FROM registry_secrets WHERE name = 'status-index'")
          .pluck()
          .get()) as string | undefined;
      if (sealed !== undefined) warmUp(JSON.parse(sealed), passphrase);
    } finally {
      db.close();
    }
  } catch {
    // a hint only: the import opens its keys itself
  }
}
