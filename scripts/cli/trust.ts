/**
 * The trusted keys of the command line: a trust list verified under the operator's root keys
 * (`--trust-list <file|url> --root <jwks file>`), or a JWKS the user vouches for (`--jwks`,
 * with `--brand` for keys that name no brand).
 */
import { keySetFromJwks, type KeySet, type TrustedKey } from '../../shared/keys.ts';
import { verifyTrustList, type TrustList } from '../../shared/trust-list.ts';
import { CliError, parseJson, readInput } from './io.ts';

/** Reads a file, or fetches an http(s) URL (10 s timeout). */
export async function readSource(source: string): Promise<string> {
  if (!/^https?:\/\//i.test(source)) return readInput(source);
  let response: Response;
  try {
    response = await fetch(source, { signal: AbortSignal.timeout(10_000) });
  } catch (error) {
    throw new CliError(`cannot fetch ${source}: ${(error as Error).message}`);
  }
  if (!response.ok) throw new CliError(`cannot fetch ${source}: HTTP ${response.status}`);
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
  if (opts.trustList) {
    if (!opts.root)
      throw new CliError('--trust-list needs --root <jwks file>: the operator root public key');
    return (await loadTrustList(opts.trustList, opts.root)).keys;
  }
  if (opts.jwks) return loadKeySet(opts.jwks, opts.brand);
  throw new CliError(
    'say which keys to trust: --trust-list <file|url> --root <file>, or --jwks <file|url>',
  );
}
