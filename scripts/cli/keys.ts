/** `hallmark keys generate`: a new Ed25519 key pair in a sealed key file, plus its public JWKS. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { asciiUpper } from '../../shared/claims.ts';
import type { Command } from 'commander';
import { writeKeyFile } from '../../server/keys/key-file.ts';
import { generateSigningKey } from '../../server/keys/signing-key.ts';
import { issuerCode } from '../../shared/claims.ts';
import { keySetFromJwks, type PublicJwk } from '../../shared/keys.ts';
import { CliError, passphraseFromEnv } from './io.ts';
import { rotateBrandKey } from './registry-keys.ts';

/**
 * Generates a key into a sealed key file (never overwritten) and adds its public JWK to a
 * JWKS file, with `brand` when given. Prints the kid.
 */
export function generateKeyFile(
  out: string,
  jwksPath: string,
  passphrase: string,
  brand?: string,
): void {
  if (existsSync(out)) throw new CliError(`${out} exists; refusing to overwrite a key`);
  const jwks = existsSync(jwksPath) ? readJwks(jwksPath) : { keys: [] };
  const key = generateSigningKey();
  const publicJwk = writeKeyFile(out, key, passphrase, new Date());
  jwks.keys.push(brand === undefined ? publicJwk : { ...publicJwk, brand });
  writeFileSync(jwksPath, `${JSON.stringify(jwks, null, 2)}\n`);
  process.stderr.write(
    `key ${key.kid}\n  private (sealed): ${out}\n  public key set:   ${jwksPath}\n`,
  );
  process.stdout.write(`${key.kid}\n`);
}

export function registerKeyFileCommands(keys: Command): void {
  keys
    .command('generate')
    .description('generate an Ed25519 signing key, sealed with HALLMARK_KEY_PASSPHRASE')
    .option('--out <file>', 'key file to create (never overwritten)', 'hallmark-key.json')
    .option('--jwks <file>', 'public key set to create or add the key to', 'jwks.json')
    .option('--brand <code>', 'the brand the key will sign for (written in the public key set)')
    .option(
      '--pkcs11',
      "generate the key pair inside the PKCS#11 token (HALLMARK_PKCS11_*) and make it the brand's active key in the registry; nothing is written to files",
    )
    .action((opts: { out: string; jwks: string; brand?: string; pkcs11?: boolean }) => {
      const brand = opts.brand === undefined ? undefined : asciiUpper(opts.brand);
      if (brand !== undefined && !issuerCode.safeParse(brand).success)
        throw new CliError('--brand must be 2-8 upper-case letters or digits');
      if (opts.pkcs11) {
        if (brand === undefined) throw new CliError('--pkcs11 needs --brand <code>');
        rotateBrandKey({ brand, pkcs11: true, reason: 'key generated in the PKCS#11 token' });
        return;
      }
      generateKeyFile(opts.out, opts.jwks, passphraseFromEnv(), brand);
    });
}

function readJwks(path: string): { keys: PublicJwk[] } {
  const jwks = JSON.parse(readFileSync(path, 'utf8')) as { keys: PublicJwk[] };
  keySetFromJwks(jwks); // refuse to extend a file that is not a valid key set
  return jwks;
}
