/**
 * `hallmark root generate` and `hallmark trust-list sign|install|show`: the operator's root key
 * (kept offline) and the signed list of brands and keys that pages and retailers trust.
 */
import { existsSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { readKeyFile } from '../../server/keys/key-file.ts';
import { Pkcs11Keys } from '../../server/keys/pkcs11.ts';
import { SealError } from '../../server/keys/sealed.ts';
import { signRegistryTrustList } from '../../server/trust/trust-lists.ts';
import { HallmarkError } from '../../shared/errors.ts';
import { CliError, parseJson, passphraseFromEnv, readInput } from './io.ts';
import { generateKeyFile } from './keys.ts';
import { cliActor, cliConfig, nowSeconds, withRegistry } from './registry.ts';

/** The root key file's passphrase: HALLMARK_ROOT_PASSPHRASE, else HALLMARK_KEY_PASSPHRASE. */
function rootPassphrase(): string {
  const env = { ...process.env };
  if (env.HALLMARK_ROOT_PASSPHRASE) env.HALLMARK_KEY_PASSPHRASE = env.HALLMARK_ROOT_PASSPHRASE;
  return passphraseFromEnv(env);
}

function trustListError(error: unknown): never {
  if (error instanceof HallmarkError) throw new CliError(error.message, 1);
  throw error;
}

/** The PKCS#11 token from HALLMARK_PKCS11_*, for a root key that lives there. */
function tokenKeys(): Pkcs11Keys {
  const config = cliConfig();
  if (!config.pkcs11)
    throw new CliError('a PKCS#11 root key needs HALLMARK_PKCS11_MODULE and the token PIN');
  return new Pkcs11Keys(config.pkcs11.config);
}

export function registerTrustCommands(program: Command): void {
  program
    .command('root')
    .description("the operator's root key, which signs the trust list (keep it offline)")
    .command('generate')
    .description(
      'generate a root key, sealed with HALLMARK_ROOT_PASSPHRASE (or HALLMARK_KEY_PASSPHRASE)',
    )
    .option('--out <file>', 'root key file to create (never overwritten)', 'hallmark-root-key.json')
    .option('--jwks <file>', 'its public key, for pages and retailers', 'hallmark-root.jwks.json')
    .option(
      '--pkcs11',
      'generate it inside the PKCS#11 token (HALLMARK_PKCS11_*) instead: only the public key set is written; prints the key label',
    )
    .action((opts: { out: string; jwks: string; pkcs11?: boolean }) => {
      if (!opts.pkcs11) return generateKeyFile(opts.out, opts.jwks, rootPassphrase());
      if (existsSync(opts.jwks)) throw new CliError(`${opts.jwks} exists; refusing to overwrite`);
      const root = tokenKeys().generate('root', nowSeconds());
      writeFileSync(opts.jwks, `${JSON.stringify({ keys: [root.publicJwk()] }, null, 2)}\n`);
      process.stderr.write(`root key ${root.kid} in the token, label:\n`);
      process.stdout.write(`${root.pkcs11Label}\n`);
    });

  const list = program
    .command('trust-list')
    .description('the signed list of brands and their keys that verifiers trust');

  list
    .command('sign')
    .description("sign the registry's brands and keys with the root key, and install the list")
    .option('--root <file>', 'the root key file from `hallmark root generate`')
    .option('--root-pkcs11 <label>', 'or: the root key in the PKCS#11 token, by label')
    .option('--out <file>', 'also write the signed list to this file')
    .action((opts: { root?: string; rootPkcs11?: string; out?: string }) => {
      if (!opts.root === !opts.rootPkcs11)
        throw new CliError('say which root key signs: --root <file> or --root-pkcs11 <label>');
      let root;
      if (opts.rootPkcs11) root = tokenKeys().key(opts.rootPkcs11);
      else
        try {
          root = readKeyFile(opts.root!, rootPassphrase()).key;
        } catch (error) {
          if (error instanceof SealError || error instanceof CliError)
            throw new CliError(`cannot open ${opts.root}: ${error.message}`, 1);
          throw new CliError(`cannot use ${opts.root}: ${(error as Error).message}`);
        }
      const rootName = opts.root ?? `PKCS#11 key "${opts.rootPkcs11}"`;
      withRegistry(
        (registry) => {
          const now = nowSeconds();
          // The first signing vouches for its root; later lists must come from a known root.
          if (registry.trust.roots().length === 0)
            registry.trust.addRoots({ keys: [root.publicJwk()] }, now);
          else if (!registry.trust.roots().some((r) => r.kid === root.kid))
            throw new CliError(
              `${rootName} is not a root of this registry; install a list with --root to add one`,
              1,
            );
          let signed;
          try {
            signed = signRegistryTrustList(registry, root, now);
          } catch (error) {
            trustListError(error);
          }
          registry.events.append({
            at: now,
            actor: cliActor('trust-list sign'),
            action: 'trust_list.signed',
            detail: {
              seq: signed.payload.seq,
              root: root.kid,
              brands: signed.payload.brands.length,
            },
          });
          if (opts.out) writeFileSync(opts.out, `${signed.jws}\n`);
          process.stderr.write(
            `signed and installed trust list #${signed.payload.seq}: ${signed.payload.brands.length} brand(s), ${signed.keys.length} key(s)\n`,
          );
        },
        { needsKey: false },
      );
    });

  list
    .command('install')
    .description('install a trust list signed elsewhere (verified under the registry roots)')
    .argument('<file>', 'the signed list (`trust-list sign --out`)')
    .option('--root <jwks>', 'add these root public keys first (the first install needs it)')
    .action((file: string, opts: { root?: string }) => {
      const jws = readInput(file).trim();
      withRegistry(
        (registry) => {
          const now = nowSeconds();
          if (opts.root) registry.trust.addRoots(parseJson(readInput(opts.root), opts.root), now);
          if (registry.trust.roots().length === 0)
            throw new CliError('this registry has no root key yet: pass --root <root jwks>');
          let installed;
          try {
            installed = registry.trust.install(jws, now);
          } catch (error) {
            trustListError(error);
          }
          registry.events.append({
            at: now,
            actor: cliActor('trust-list install'),
            action: 'trust_list.installed',
            detail: { seq: installed.payload.seq, root: installed.rootKid },
          });
          process.stderr.write(`installed trust list #${installed.payload.seq}\n`);
        },
        { needsKey: false },
      );
    });

  list
    .command('show')
    .description('show the installed trust list')
    .option('--json', 'print the payload as JSON')
    .action((opts: { json?: boolean }) => {
      withRegistry(
        (registry) => {
          const latest = registry.trust.latest();
          if (!latest) throw new CliError('no trust list is installed', 1);
          if (opts.json) {
            process.stdout.write(`${JSON.stringify(latest.payload, null, 2)}\n`);
            return;
          }
          const when = new Date(latest.payload.iat * 1000).toISOString();
          process.stdout.write(
            `trust list #${latest.payload.seq}, signed ${when} by root ${latest.rootKid}\n`,
          );
          for (const b of latest.payload.brands)
            process.stdout.write(
              `  ${b.code.padEnd(9)}${b.name.padEnd(24)} ${b.keys.length} key(s)${b.url ? `  ${b.url}` : ''}\n`,
            );
          const unlisted = registry.trust.unlistedActiveKeys();
          for (const u of unlisted)
            process.stdout.write(
              `  WARNING: ${u.brand}'s active key ${u.kid} is not on this list\n`,
            );
          if (unlisted.length > 0) process.exitCode = 1;
        },
        { needsKey: false },
      );
    });
}
