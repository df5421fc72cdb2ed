/**
 * A standalone signing key file for the command line: the public JWK and the private seed
 * sealed under the passphrase (never the seed in clear). Written with mode 0600.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { z } from 'zod';
import { open, seal, sealedSchema } from './sealed.ts';
import { signingKeyFromSeed, type SigningKey } from './signing-key.ts';
import type { PublicJwk } from '../../shared/keys.ts';

const keyFileSchema = z.strictObject({
  format: z.literal('hallmark-signing-key'),
  version: z.literal(1),
  kid: z.string(),
  createdAt: z.string(),
  publicJwk: z.looseObject({ kid: z.string() }),
  sealed: sealedSchema,
});

/** Writes `key` sealed under `passphrase`. Refuses to overwrite an existing file. */
export function writeKeyFile(
  path: string,
  key: SigningKey,
  passphrase: string,
  now: Date,
): PublicJwk {
  const publicJwk = key.publicJwk({ notBefore: Math.floor(now.getTime() / 1000) });
  const file = {
    format: 'hallmark-signing-key',
    version: 1,
    kid: key.kid,
    createdAt: now.toISOString(),
    publicJwk,
    sealed: seal(key.exportSeed(), passphrase, key.kid),
  };
  writeFileSync(path, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  return publicJwk;
}

/** Reads and opens a key file. @throws Error naming the problem (shape, passphrase, mismatch). */
export function readKeyFile(
  path: string,
  passphrase: string,
): { key: SigningKey; publicJwk: PublicJwk } {
  const parsed = keyFileSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!parsed.success) throw new Error(`${path} is not a Hallmark key file`);
  const seed = open(parsed.data.sealed, passphrase, parsed.data.kid);
  return {
    key: signingKeyFromSeed(seed, parsed.data.kid),
    publicJwk: parsed.data.publicJwk as unknown as PublicJwk,
  };
}
