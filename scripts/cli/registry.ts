/** Opening the registry named by HALLMARK_DB for the command line. */
import { userInfo } from 'node:os';
import { ConfigError, loadConfig, type ServiceConfig } from '../../server/config.ts';
import { openDatabase } from '../../server/db/database.ts';
import { resolvePassphrase } from '../../server/keys/passphrase.ts';
import { createRegistry, type Registry } from '../../server/registry/registry.ts';
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
  fn: (registry: Registry, config: ServiceConfig) => T,
  options: { needsKey: boolean } = { needsKey: true },
): T {
  const config = cliConfig();
  let passphrase = '';
  try {
    passphrase = resolvePassphrase(config, { create: false }).passphrase;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    if (options.needsKey) throw new CliError(error.message);
  }
  const db = openDatabase(config.dbPath);
  let result: T;
  try {
    result = fn(
      createRegistry(db, { passphrase, defaultIssuer: config.issuer, now: nowSeconds }),
      config,
    );
  } catch (error) {
    db.close();
    throw error;
  }
  // Async commands (import, print) keep the database until they settle.
  if (result instanceof Promise) return result.finally(() => db.close()) as T;
  db.close();
  return result;
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
