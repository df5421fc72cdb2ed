/**
 * The trusted keys of the command line: a trust list verified under the operator's root keys
 * (`--trust-list <file|url> --root <jwks file>`), or a JWKS the user vouches for (`--jwks`,
 * with `--brand` for keys that name no brand).
 */
import type { Command } from 'commander';
import { keySetFromJwks, type KeySet, type TrustedKey } from '../../shared/keys.ts';
import { verifyTrustList, type TrustList } from '../../shared/trust-list.ts';
import { CliError, fetchOk, parseJson, readInput } from './io.ts';

/** Reads a file, or fetches an http(s) URL (10 s timeout). */
export async function readSource(source: string): Promise<string> {
  if (!/^https?:\/\//i.test(source)) return readInput(source);
  const response = await fetchOk(source);
  return response.text();
}

/** Reads a JWKS from a file path or an http(s) URL; keys naming no brand are bound to `brand`. */
export async function loadKeySet(source: string, brand?: string): Promise<KeySet> {
  const text = await readSource(source);
  try {
    return keySetFromJwks(parseJson(text, source)).map((k): TrustedKey =>
      k.brand === undefined && brand !== undefined ? { ...k, brand } : k,
    );
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(`${source} is not a usable key set: ${(error as Error).message}`);
  }
}

/** Reads and verifies a trust list under the root keys in `rootFile` (a JWKS). */
export async function loadTrustList(source: string, rootFile: string): Promise<TrustList> {
  const roots = await loadKeySet(rootFile);
  try {
    return verifyTrustList(await readSource(source), roots);
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(`${source}: ${(error as Error).message}`, 1);
  }
}

export interface TrustOptions {
  jwks?: string;
  brand?: string;
  trustList?: string;
  root?: string;
}

/** The key set from the command's options: a trust list (with its root) or a JWKS. */
export async function trustFromOptions(opts: TrustOptions): Promise<KeySet> {
  return (await trustSetFromOptions(opts)).keys;
}

/** As `trustFromOptions`, with the verified trust list itself when one was given. */
export async function trustSetFromOptions(
  opts: TrustOptions,
): Promise<{ keys: KeySet; list?: TrustList }> {
  if (opts.trustList) {
    if (!opts.root)
      throw new CliError('--trust-list needs --root <jwks file>: the operator root public key');
    const list = await loadTrustList(opts.trustList, opts.root);
    return { keys: list.keys, list };
  }
  if (opts.jwks) return { keys: await loadKeySet(opts.jwks, opts.brand) };
  throw new CliError(
    'say which keys to trust: --trust-list <file|url> --root <file>, or --jwks <file|url>',
  );
}

/** The trust options `verify` and `check` share. */
export function trustOptions(command: Command): Command {
  return command
    .option('--trust-list <file|url>', "the operator's signed trust list (every brand on it)")
    .option('--root <file>', "the operator's root public key (JWKS), to verify the trust list")
    .option('--jwks <file|url>', 'or: public keys to trust (JWKS), bound to their "brand" member')
    .option('--brand <code>', 'with --jwks: the brand of keys that name none');
}
