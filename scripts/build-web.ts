/**
 * `npm run build:web [-- --root <jwks> --trust-list <file>] [--out dist/web]`: the verification
 * page as static files for any host. The root public keys and the trust list baked in default
 * to those installed in the registry named by HALLMARK_DB. Deploy the trust list beside the
 * page at .well-known/hallmark-trust-list.jwt so pages pick up new brands and keys.
 */
import { existsSync, readFileSync } from 'node:fs';
import { Command } from 'commander';
import { openDatabase } from '../server/db/database.ts';
import { createRegistry } from '../server/registry/registry.ts';
import { buildPage, writePage } from '../web/build.ts';
import { keySetFromJwks } from '../shared/keys.ts';
import { verifyTrustList } from '../shared/trust-list.ts';

const program = new Command('build:web')
  .option('--root <jwks>', "the operator's root public keys (default: the registry's roots)")
  .option('--trust-list <file>', 'the signed trust list to bake in (default: the registry’s)')
  .option('--out <dir>', 'output folder', 'dist/web')
  .parse();
const opts = program.opts<{ root?: string; trustList?: string; out: string }>();

function fromRegistry(): { roots: unknown; trustList: string | undefined } {
  const dbPath = process.env.HALLMARK_DB ?? './data/hallmark.db';
  if (!existsSync(dbPath)) {
    process.stderr.write(`build:web: no --root and no registry at ${dbPath}\n`);
    process.exit(2);
  }
  const db = openDatabase(dbPath);
  try {
    const registry = createRegistry(db, {
      passphrase: '',
      legacyBrand: process.env.HALLMARK_ISSUER ?? 'DEMO',
      now: () => Math.floor(Date.now() / 1000),
    });
    return { roots: registry.trust.rootJwks(), trustList: registry.trust.latest()?.jws };
  } finally {
    db.close();
  }
}

const material = opts.root
  ? {
      roots: JSON.parse(readFileSync(opts.root, 'utf8')) as unknown,
      trustList: opts.trustList ? readFileSync(opts.trustList, 'utf8').trim() : undefined,
    }
  : fromRegistry();
// Refuse to build a page that would trust nothing, or a list its own roots do not verify.
const roots = keySetFromJwks(material.roots);
if (roots.length === 0) {
  process.stderr.write('build:web: no root key: the page could verify nothing\n');
  process.exit(2);
}
if (material.trustList) verifyTrustList(material.trustList, roots);
const files = await buildPage(material);
writePage(files, opts.out);
for (const [path, file] of files)
  process.stdout.write(`${opts.out}/${path}  ${file.body.length} B\n`);
