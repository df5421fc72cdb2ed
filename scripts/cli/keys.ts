/** `hallmark keys generate`: a new Ed25519 key pair in a sealed key file, plus its public JWKS. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { writeKeyFile } from '../../server/keys/key-file.ts';
import { generateSigningKey } from '../../server/keys/signing-key.ts';
import { keySetFromJwks, type PublicJwk } from '../../shared/keys.ts';
import { CliError, passphraseFromEnv } from './io.ts';

export function registerKeyFileCommands(keys: Command): void {
  keys
    .command('generate')
    .description('generate an Ed25519 signing key, sealed with HALLMARK_KEY_PASSPHRASE')
    .option('--out <file>', 'key file to create (never overwritten)', 'hallmark-key.json')
    .option('--jwks <file>', 'public key set to create or add the key to', 'jwks.json')
    .action((opts: { out: string; jwks: string }) => {
      const passphrase = passphraseFromEnv();
      if (existsSync(opts.out))
        throw new CliError(`${opts.out} exists; refusing to overwrite a key`);
      const jwks = existsSync(opts.jwks) ? readJwks(opts.jwks) : { keys: [] };
      const key = generateSigningKey();
      const publicJwk = writeKeyFile(opts.out, key, passphrase, new Date());
      jwks.keys.push(publicJwk);
      writeFileSync(opts.jwks, `${JSON.stringify(jwks, null, 2)}\n`);
      process.stderr.write(
        `key ${key.kid}\n  private (sealed): ${opts.out}\n  public key set:   ${opts.jwks}\n`,
      );
      process.stdout.write(`${key.kid}\n`);
    });
}

function readJwks(path: string): { keys: PublicJwk[] } {
  const jwks = JSON.parse(readFileSync(path, 'utf8')) as { keys: PublicJwk[] };
  keySetFromJwks(jwks); // refuse to extend a file that is not a valid key set
  return jwks;
}
