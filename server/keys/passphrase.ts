/**
 * Where the key passphrase comes from. Production: HALLMARK_KEY_PASSPHRASE, required. A
 * development start with nothing configured generates a random passphrase into a 0600 file
 * beside the database, so the key is still sealed at rest, and says loudly that this is for
 * development only (whoever reads the data folder can open the key).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { toBase64url } from '../../shared/bytes.ts';
import { ConfigError } from '../config.ts';
import { devPassphraseFile, readDevPassphrase } from '../db/location.ts';

export interface PassphraseSource {
  passphrase: string;
  /** True when it is the generated development passphrase. */
  development: boolean;
  file?: string;
}

/** Resolves the passphrase; `create` allows generating the development one. @throws ConfigError */
export function resolvePassphrase(
  config: { passphrase: string | undefined; dbPath: string; production: boolean },
  options: { create: boolean },
): PassphraseSource {
  if (config.passphrase) return { passphrase: config.passphrase, development: false };
  if (config.production)
    throw new ConfigError('HALLMARK_KEY_PASSPHRASE is required when NODE_ENV=production');
  const file = devPassphraseFile(config.dbPath);
  const kept = readDevPassphrase(config.dbPath);
  if (kept !== undefined) return { passphrase: kept, development: true, file };
  if (!options.create)
    throw new ConfigError(
      'HALLMARK_KEY_PASSPHRASE is not set and there is no development passphrase',
    );
  mkdirSync(dirname(file), { recursive: true });
  const passphrase = toBase64url(randomBytes(32));
  writeFileSync(file, `${passphrase}\n`, { mode: 0o600, flag: 'wx' });
  return { passphrase, development: true, file };
}
