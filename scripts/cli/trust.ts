/** Loading a trusted key set for the command line: a JWKS file or an http(s) URL. */
import { keySetFromJwks, type KeySet } from '../../shared/keys.ts';
import { CliError, parseJson, readInput } from './io.ts';

/** Reads a JWKS from a file path or fetches it from an http(s) URL (10 s timeout). */
export async function loadKeySet(source: string): Promise<KeySet> {
  let text: string;
  if (/^https?:\/\//i.test(source)) {
    let response: Response;
    try {
      response = await fetch(source, { signal: AbortSignal.timeout(10_000) });
    } catch (error) {
      throw new CliError(`cannot fetch ${source}: ${(error as Error).message}`);
    }
    if (!response.ok) throw new CliError(`cannot fetch ${source}: HTTP ${response.status}`);
    text = await response.text();
  } else {
    text = readInput(source);
  }
  try {
    return keySetFromJwks(parseJson(text, source));
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(`${source} is not a usable key set: ${(error as Error).message}`);
  }
}
