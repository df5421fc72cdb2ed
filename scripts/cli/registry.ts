/** Opening the registry named by HALLMARK_DB for the command line. */
import { userInfo } from 'node:os';
import {
  ConfigError,
  loadConfig,
  registryOptions,
  type ServiceConfig,
} from '../../server/config.ts';
import { openDatabase } from '../../server/db/database.ts';
import { resolvePassphrase } from '../../server/keys/passphrase.ts';
import { createRegistry, type Registry } from '../../server/registry/registry.ts';
import { refreshDevTrustList } from '../../server/trust/trust-lists.ts';
import { CliError } from './io.ts';

export const nowSeconds = () => Math.floor(Date.now() / 1000);

/** The config from the environment, with config errors as CLI errors. */
export function cliConfig(): ServiceConfig {
  try {
    return loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) throw new CliError(error.message);
    throw error;
  }
}

/**
 * Runs `fn` with the registry open, closing the database afterwards. Commands that never
 * touch a private key (tokens, status) pass `needsKey: false` and work without the passphrase.
 */
export function withRegistry<T>(
  fn: (registry: Registry, config: ServiceConfig, session: RegistrySession) => T,
  options: { needsKey: boolean } = { needsKey: true },
): T {
  const config = cliConfig();
  let passphrase = '';
  let development = false;
  try {
    ({ passphrase, development } = resolvePassphrase(config, { create: false }));
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    if (options.needsKey) throw new CliError(error.message);
  }
  const db = openDatabase(config.dbPath);
  let result: T;
  try {
    const registry = createRegistry(db, registryOptions(config, passphrase));
    const session: RegistrySession = {
      trustChanged: () => {
        // A development registry re-signs its list with its development root key at once; in
        // production the operator signs with the offline root (`hallmark trust-list sign`).
        const list = development
          ? refreshDevTrustList(registry, config.dbPath, passphrase, nowSeconds(), {
              create: false,
            })
          : undefined;
        process.stderr.write(
          list
            ? `signed trust list #${list.payload.seq} with the DEVELOPMENT root key\n`
            : 'pages trust the change once a new trust list is signed: hallmark trust-list sign --root <root key file>\n',
        );
      },
    };
    result = fn(registry, config, session);
  } catch (error) {
    db.close();
    throw error;
  }
  // Async commands (import, print) keep the database until they settle.
  if (result instanceof Promise) return result.finally(() => db.close()) as T;
  db.close();
  return result;
}

/** What a command may do besides using the registry. */
export interface RegistrySession {
  /** Brands or keys changed: re-sign the development trust list, or tell the operator to sign one. */
  trustChanged(): void;
}

/** The brand codes of a comma-separated option, checked against the registry. */
export function existingBrands(registry: Registry, codes: string[]): string[] {
  const missing = codes.filter((c) => !registry.brands.has(c));
  if (missing.length === 0) return codes;
  const known = registry.brands.list().map((b) => b.code);
  throw new CliError(
    known.length === 0
      ? `this registry has no brand yet: start the service once (npm start), or add one with: hallmark brands add --code ${missing[0]} --name "<display name>"`
      : `no brand ${missing.join(', ')} in this registry (brands: ${known.join(', ')})`,
  );
}

/** The audit actor for command-line changes. */
export function cliActor(command: string): string {
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // no passwd entry (containers): keep "unknown"
  }
  return `cli:${command}:${user}`;
}
