/**
 * `npm run build:web [-- --jwks <file|url>] [--out dist/web]`: the verification page as static
 * files for any host. The trusted keys default to the registry named by HALLMARK_DB.
 * Deploy the JWKS beside it at .well-known/jwks.json so the page can refresh its keys.
 */
import { existsSync } from 'node:fs';
import { Command } from 'commander';
import { openDatabase } from '../server/db/database.ts';
import { KeyStore } from '../server/registry/key-store.ts';
import { buildPage, writePage } from '../web/build.ts';

const program = new Command('build:web')
  .option('--jwks <file|url>', 'trusted public keys to bake in (default: the keys in HALLMARK_DB)')
  .option('--out <dir>', 'output folder', 'dist/web')
  .parse();
const opts = program.opts<{ jwks?: string; out: string }>();

async function loadJwks(): Promise<unknown> {
  if (opts.jwks) {
    const { loadKeySet } = await import('./cli/trust.ts');
    await loadKeySet(opts.jwks); // validates, with clear errors
    const text = /^https?:/.test(opts.jwks)
      ? await (await fetch(opts.jwks)).text()
      : (await import('node:fs')).readFileSync(opts.jwks, 'utf8');
    return JSON.parse(text);
  }
  const dbPath = process.env.HALLMARK_DB ?? './data/hallmark.db';
  if (!existsSync(dbPath)) {
    process.stderr.write(
      `no --jwks and no registry at ${dbPath}: the page will trust no key until it fetches .well-known/jwks.json\n`,
    );
    return { keys: [] };
  }
  const db = openDatabase(dbPath, { readonly: true });
  try {
    return { keys: new KeyStore(db, '').publicJwks() };
  } finally {
    db.close();
  }
}

const files = await buildPage({ jwks: await loadJwks() });
writePage(files, opts.out);
for (const [path, file] of files)
  process.stdout.write(`${opts.out}/${path}  ${file.body.length} B\n`);
